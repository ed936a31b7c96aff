//! The `flowexpr` command-line tool; see `flowexpr --help`.

fn main() -> std::process::ExitCode {
    flowexpr::cli::main()
}
