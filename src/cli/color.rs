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

#[cfg(test)]
mod tests {
    use super::ColorChoice::{self, *};

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
