//! `fithub completions` and `fithub man`.

use crate::helpers::{assert_exit, fithub, stdout};

#[test]
fn completions_for_every_shell_name_the_commands() {
    let dir = tempfile::tempdir().expect("temp dir");
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = fithub(dir.path(), &["completions", shell], &[]);
        assert_exit(&output, 0);
        let script = stdout(&output);
        for word in ["fithub", "export", "reset-password", "encrypt-to"] {
            assert!(
                script.contains(word),
                "{shell}: {word} missing from\n{script}"
            );
        }
    }
    assert_exit(&fithub(dir.path(), &["completions", "tcsh"], &[]), 2);
}

#[test]
fn the_bash_completion_parses_and_completes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = fithub(dir.path(), &["completions", "bash"], &[]);
    assert_exit(&output, 0);
    let script = dir.path().join("fithub.bash");
    std::fs::write(&script, &output.stdout).expect("write");
    let parsed = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .expect("bash");
    assert!(
        parsed.status.success(),
        "{}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    // Loaded and asked, as the shell asks on Tab: `fithub us<Tab>` offers `user`.
    let probe = format!(
        "source {}; COMP_WORDS=(fithub us); COMP_CWORD=1; COMP_LINE='fithub us'; \
         COMP_POINT=9; _fithub fithub us fithub; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display()
    );
    let completed = std::process::Command::new("bash")
        .args(["-c", &probe])
        .output()
        .expect("bash");
    assert_eq!(
        String::from_utf8_lossy(&completed.stdout).trim(),
        "user",
        "{}",
        String::from_utf8_lossy(&completed.stderr)
    );
}

#[test]
fn the_man_page_documents_the_commands() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = fithub(dir.path(), &["man"], &[]);
    assert_exit(&output, 0);
    let page = stdout(&output);
    assert!(page.contains(".TH fithub 1"), "{page}");
    for command in ["migrate", "export", "import", "backup", "completions"] {
        assert!(page.contains(command), "{command} in\n{page}");
    }

    let pages = dir.path().join("man1");
    std::fs::create_dir(&pages).expect("mkdir");
    let written = fithub(dir.path(), &["man", "--output", "man1"], &[]);
    assert_exit(&written, 0);
    for name in ["fithub.1", "fithub-user-create.1", "fithub-backup-keygen.1"] {
        let text = std::fs::read_to_string(pages.join(name)).expect(name);
        assert!(text.contains(".TH"), "{name}: {text}");
    }
    let create = std::fs::read_to_string(pages.join("fithub-user-create.1")).expect("page");
    assert!(create.contains("password\\-stdin"), "{create}");

    // groff reads it without a warning.
    let rendered = std::process::Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(pages.join("fithub.1"))
        .output()
        .expect("groff");
    assert!(rendered.status.success());
    assert_eq!(String::from_utf8_lossy(&rendered.stderr), "");
}
