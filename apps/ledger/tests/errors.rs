//! Bad input on the command line gets a clear error naming what was wrong (exit 2), and
//! changes nothing.

mod common;

use common::Env;

#[test]
fn bad_values_and_names_are_refused_by_name() {
    let Some(env) = Env::new("errors") else {
        return;
    };
    let (code, _, err) = env.ledger(&["publish", "1", "abc"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("VALUE \"abc\" is not a number"), "{err}");

    let (code, _, err) = env.ledger(&["publish", "x", "1"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("PROVIDER_ID"), "{err}");

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ledger"))
        .args(["setup", "--schema", "Bad-Name"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--schema \"Bad-Name\" is not allowed"),
        "{err}"
    );

    // Before setup: run names the missing tables, publish the missing queue.
    let (code, _, err) = env.ledger(&["run"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("run `ledger setup` first"), "{err}");
    let (code, _, err) = env.ledger(&["publish", "1", "600"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("run `ledger setup` to create it"), "{err}");

    let (code, out, err) = env.ledger(&["--help"]);
    assert_eq!(code, 0, "{err}");
    for option in [
        "--amqp",
        "--postgres",
        "--redis",
        "--url",
        "LEDGER_AMQP_URL",
    ] {
        assert!(out.contains(option), "{option}: {out}");
    }
    assert!(
        !out.contains("--tick"),
        "the test-only tick is hidden: {out}"
    );
}
