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
