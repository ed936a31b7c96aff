//! Drives the real `flowexpr repl` through a pseudo-terminal: load a run record, complete
//! `body('` with Tab, and read the action's body.
#![cfg(all(unix, feature = "cli"))]

use std::time::Duration;

#[test]
fn completes_body_and_prints_the_action_body() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("flowexpr-pty-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let record = dir.join("run.json");
    std::fs::write(
        &record,
        r#"{"status": "Succeeded", "actions": {"Get_Transactions": {"status": "Succeeded",
            "outputs": {"statusCode": 200, "body": {"count": 42}}}}}"#,
    )?;
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_flowexpr"));
    command.arg("repl").arg("--context").arg(&record);
    // Keep the user's real history out of the test.
    command.env("FLOWEXPR_HISTORY", dir.join("history.txt"));
    let mut session =
        rexpect::session::spawn_command(command, Some(Duration::from_secs(20).as_millis() as u64))?;
    session.exp_string("type an expression")?;
    session.send("body('Get_Tr")?;
    session.send("\t")?;
    session.send("?['count']")?;
    session.send_line("")?;
    session.exp_string("42")?;
    session.exp_string(": Integer")?;
    session.send_line("concat('a',")?;
    session.send_line("'b')")?;
    session.exp_string("\"ab\"")?;
    session.send_line(":quit")?;
    session.exp_eof()?;
    // The history was kept where FLOWEXPR_HISTORY said.
    let history = std::fs::read_to_string(dir.join("history.txt"))?;
    assert!(history.contains("body('Get_Transactions')?['count']"), "{history}");
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// On a terminal `flowexpr test` keeps a `[done/total]` progress line under the results and
/// colours them; NO_COLOR (non-empty) turns the colour off but keeps the progress line.
#[test]
fn test_shows_progress_and_colour_on_a_terminal() -> Result<(), Box<dyn std::error::Error>> {
    let run = |no_color: Option<&str>| -> Result<String, Box<dyn std::error::Error>> {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_flowexpr"));
        command
            .args(["test", "examples/reconciliation", "--jobs", "1"])
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        command.env_remove("NO_COLOR").env("TERM", "xterm");
        if let Some(value) = no_color {
            command.env("NO_COLOR", value);
        }
        let mut session =
            rexpect::session::spawn_command(command, Some(Duration::from_secs(60).as_millis() as u64))?;
        let (before, _) = session.exp_regex("5 passed, 0 failed")?;
        session.exp_eof()?;
        Ok(before)
    };
    let screen = run(None)?;
    assert!(screen.contains("[0/5] running"), "{screen:?}");
    assert!(screen.contains("\r\x1b[K"), "the progress line is erased before each result: {screen:?}");
    assert!(screen.contains("\x1b[32mok  \x1b[0m"), "{screen:?}");
    let plain = run(Some("1"))?;
    assert!(!plain.contains("\x1b[32m") && plain.contains("[5/5] running"), "{plain:?}");
    // An empty NO_COLOR does not count (no-color.org).
    assert!(run(Some(""))?.contains("\x1b[32m"));
    Ok(())
}
