use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs `fithub` in `dir` with a clean environment (no FITHUB_* of the caller leaks in) and no
/// terminal: stdin is empty.
pub fn fithub(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    command(dir, args, env)
        .stdin(Stdio::null())
        .output()
        .expect("run fithub")
}

/// [`fithub`] with `input` on stdin.
pub fn fithub_with_stdin(dir: &Path, args: &[&str], env: &[(&str, &str)], input: &str) -> Output {
    let mut child = command(dir, args, env)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run fithub");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait for fithub")
}

fn command(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    clean(env!("CARGO_BIN_EXE_fithub"), dir, args, env)
}

/// `program` with `args` in `dir`, with only PATH and `env` in its environment.
fn clean(program: &str, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(program);
    command
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .args(args);
    command
}

/// Creates `username` in `database` with `fithub user create --password-stdin`, run as the
/// helpers run everything: with no `$USER`, as in a container.
pub fn create_user(database: &fithub_core::testing::TestDatabase, dir: &Path, username: &str) {
    let created = fithub_with_stdin(
        dir,
        &["user", "create", "--username", username, "--password-stdin"],
        &[("DATABASE_URL", database.url().expose())],
        "violet-Harbor-47-kite\n",
    );
    assert_exit(&created, 0);
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts the exit code, showing the output when it differs.
#[track_caller]
pub fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(output),
        stderr(output)
    );
}

/// Runs `fithub` on a pseudo-terminal (its stdin, stdout and stderr), as an operator would, to
/// answer its prompts. The terminal echoes (turned on by the child itself, before `fithub`
/// starts), so that a prompt turning echo off (a hidden or a raw read) shows it is ready.
pub fn fithub_on_terminal(
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> expectrl::session::OsSession {
    let mut shell_args = vec![
        "-c",
        "stty echo && exec \"$0\" \"$@\"",
        env!("CARGO_BIN_EXE_fithub"),
    ];
    shell_args.extend_from_slice(args);
    let command = clean("sh", dir, &shell_args, env);
    let mut session = expectrl::Session::spawn(command).expect("spawn on a pty");
    session.set_expect_timeout(Some(std::time::Duration::from_secs(60)));
    session
}

/// Waits for `prompt`, then until the program reads the terminal (echo off), then types `line`:
/// a hidden prompt flushes what was typed before it was ready.
pub fn answer(session: &mut expectrl::session::OsSession, prompt: &str, line: &str) {
    use expectrl::Expect;
    session
        .expect(prompt)
        .unwrap_or_else(|error| panic!("waiting for {prompt:?}: {error}"));
    let started = std::time::Instant::now();
    while session.get_process().get_echo().expect("termios") {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{prompt:?} never read the terminal"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    session.send_line(line).expect("type");
}

/// Reads the rest of the session's output, until the program ends, and its exit code.
pub fn finish(mut session: expectrl::session::OsSession) -> (String, i32) {
    use expectrl::Expect;
    let captured = session.expect(expectrl::Eof).expect("the program ends");
    let text = String::from_utf8_lossy(captured.as_bytes()).into_owned();
    let code = match session.get_process().wait().expect("wait") {
        expectrl::process::unix::WaitStatus::Exited(_, code) => code,
        other => panic!("ended by {other:?}"),
    };
    (text, code)
}
