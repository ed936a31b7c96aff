//! When to colour output: `--color auto|always|never`, and under `auto` the rule of
//! no-color.org — `NO_COLOR` set to a non-empty value turns colour off (an empty value does
//! not) — plus `TERM=dumb`, as ripgrep and cargo do. `--color always` wins over both.

use std::ffi::OsString;

/// The `--color` choice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal, unless NO_COLOR is set (non-empty) or TERM=dumb.
    #[default]
    Auto,
    /// Always colour, even into a pipe or file.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// Should output to a stream colour? `terminal`: is the stream a terminal.
    pub fn enabled(self, terminal: bool) -> bool {
        self.decide(terminal, std::env::var_os("NO_COLOR"), std::env::var_os("TERM"))
    }

    fn decide(self, terminal: bool, no_color: Option<OsString>, term: Option<OsString>) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                let no_color = no_color.is_some_and(|v| !v.is_empty());
                let dumb = term.is_some_and(|t| t == "dumb");
                terminal && !no_color && !dumb
            }
        }
    }
}

/// Parses the command line with clap's own colours (help, usage errors) following `--color`
/// too; clap's `auto` already honours NO_COLOR.
pub(super) fn parse_with_color() -> super::Cli {
    use clap::{CommandFactory as _, FromArgMatches as _};
    let choice = match last_color_flag(std::env::args_os().skip(1)) {
        Some(ColorChoice::Always) => clap::ColorChoice::Always,
        Some(ColorChoice::Never) => clap::ColorChoice::Never,
        _ => clap::ColorChoice::Auto,
    };
    let matches = super::Cli::command().color(choice).get_matches();
    super::Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// The value of the last `--color WHEN` / `--color=WHEN`, read before clap parses (so it can
/// colour clap's own messages); clap still validates it.
fn last_color_flag(args: impl Iterator<Item = std::ffi::OsString>) -> Option<ColorChoice> {
    use clap::ValueEnum as _;
    let args: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
    let mut found = None;
    for (i, arg) in args.iter().enumerate() {
        let value = match arg.strip_prefix("--color") {
            Some(rest) if rest.starts_with('=') => Some(&rest[1..]),
            Some("") => args.get(i + 1).map(String::as_str),
            _ => None,
        };
        if let Some(choice) = value.and_then(|v| ColorChoice::from_str(v, false).ok()) {
            found = Some(choice);
        }
        if arg == "--" {
            break;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::ColorChoice::{self, *};

    #[test]
    fn the_color_flag_is_found_before_parsing() {
        let find = |args: &[&str]| super::last_color_flag(args.iter().map(std::ffi::OsString::from));
        assert_eq!(find(&["eval", "--color", "never", "1"]), Some(Never));
        assert_eq!(find(&["--color=always", "test", "--color=never"]), Some(Never));
        assert_eq!(find(&["eval", "--color", "sometimes"]), None);
        assert_eq!(find(&["eval", "--", "--color=never"]), None);
        assert_eq!(find(&["eval", "1"]), None);
    }

    #[test]
    fn the_no_color_rule() {
        let os = |s: &str| Some(s.into());
        /// (choice, terminal, NO_COLOR, TERM, colour?)
        type Row = (ColorChoice, bool, Option<&'static str>, Option<&'static str>, bool);
        let table: &[Row] = &[
            (Auto, true, None, Some("xterm-256color"), true),
            (Auto, false, None, None, false),
            (Auto, true, Some("1"), None, false),
            (Auto, true, Some("0"), None, false), // any non-empty value, even "0"
            (Auto, true, Some(""), None, true),   // empty: as if unset
            (Auto, true, None, Some("dumb"), false),
            (Always, false, Some("1"), Some("dumb"), true),
            (Never, true, None, None, false),
        ];
        for &(choice, terminal, no_color, term, want) in table {
            let got = choice.decide(terminal, no_color.and_then(os), term.and_then(os));
            assert_eq!(got, want, "{choice:?} terminal={terminal} NO_COLOR={no_color:?} TERM={term:?}");
        }
    }
}
