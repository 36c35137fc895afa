//! The image and the local stack against the production rules (items 13 and 14): the image runs
//! as production, and `docker-compose.yml`'s settings on top of it pass every refusal.

use std::collections::BTreeMap;
use std::path::Path;

use fithub_core::config::{Config, Sources};

fn repository_file(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The `KEY=VALUE` pairs of the Dockerfile's `ENV` instructions (continued lines included).
fn dockerfile_env(dockerfile: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut continued = false;
    for line in dockerfile.lines().map(str::trim) {
        let words = match line.strip_prefix("ENV ") {
            Some(rest) => rest,
            None if continued => line,
            None => continue,
        };
        for word in words.trim_end_matches('\\').split_whitespace() {
            if let Some((key, value)) = word.split_once('=') {
                pairs.push((key.to_owned(), value.trim_matches('"').to_owned()));
            }
        }
        continued = line.ends_with('\\');
    }
    pairs
}

/// The `KEY: value` pairs of the compose file's shared `x-fithub-env` block.
fn compose_env(compose: &str) -> Vec<(String, String)> {
    compose
        .lines()
        .skip_while(|line| !line.starts_with("x-fithub-env:"))
        .skip(1)
        .take_while(|line| line.starts_with(' ') || line.is_empty())
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once(": "))
        .map(|(key, value)| (key.to_owned(), value.trim_matches('"').to_owned()))
        .collect()
}

fn load(vars: Vec<(String, String)>) -> fithub_core::Result<Config> {
    let no_flags: BTreeMap<String, String> = BTreeMap::new();
    Config::load_from(
        Sources {
            file: None,
            overrides: no_flags,
        },
        vars,
    )
}

#[test]
fn the_image_runs_as_production_and_the_local_stack_passes_its_rules() {
    let image = dockerfile_env(&repository_file("Dockerfile"));
    assert!(
        image.contains(&("FITHUB_ENV".to_owned(), "production".to_owned())),
        "{image:?}"
    );
    // The image alone refuses to start: its secret and origins come from the deployment.
    assert!(load(image.clone()).is_err());

    let mut stack = image;
    stack.extend(compose_env(&repository_file("docker-compose.yml")));
    let config = load(stack).unwrap_or_else(|error| panic!("docker-compose.yml: {error}"));
    assert!(config.is_production());
}
