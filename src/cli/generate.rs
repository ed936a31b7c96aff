//! `flowexpr completions SHELL` and `flowexpr man`: shell completion scripts and man pages,
//! generated from the same clap definition that parses the command line, so they cannot
//! drift from it.

use std::path::Path;

use clap::CommandFactory as _;

use super::{write_stdout, Cli, Failure};

/// Prints the completion script for a shell.
pub(crate) fn completions(shell: clap_complete::Shell) -> Result<(), Failure> {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "flowexpr", &mut out);
    write_stdout(&String::from_utf8_lossy(&out))
}

/// Prints the man page `flowexpr(1)`, or with `dir` writes it and one page per subcommand
/// (`flowexpr-run.1`, `flowexpr-connector-call.1`, …) into that folder.
pub(crate) fn man(dir: Option<&Path>) -> Result<(), Failure> {
    let mut command = Cli::command();
    let Some(dir) = dir else {
        return write_stdout(&String::from_utf8_lossy(&render(&command, "flowexpr")?));
    };
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::Usage(format!("cannot create {}: {e}", dir.display())))?;
    // Building names the subcommands as their pages are named: `flowexpr-connector-call`.
    command.build();
    let mut pages = Vec::new();
    collect(&command, &mut pages);
    for (name, page) in &pages {
        let path = dir.join(format!("{name}.1"));
        std::fs::write(&path, render(page, name)?)
            .map_err(|e| Failure::Usage(format!("cannot write {}: {e}", path.display())))?;
    }
    eprintln!("wrote {} man pages to {}", pages.len(), dir.display());
    Ok(())
}

/// The command and its subcommands, each under its page name.
fn collect<'c>(command: &'c clap::Command, pages: &mut Vec<(String, &'c clap::Command)>) {
    let name = command.get_display_name().unwrap_or(command.get_name()).to_string();
    pages.push((name, command));
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        collect(sub, pages);
    }
}

fn render(command: &clap::Command, title: &str) -> Result<Vec<u8>, Failure> {
    let mut out = Vec::new();
    clap_mangen::Man::new(command.clone()).title(title.to_string()).render(&mut out)?;
    Ok(out)
}
