//! The command line's value parsers: any argument list is parsed by clap (never run), and
//! the values the commands read themselves — clocks, `NAME=VALUE` pairs, parameter files,
//! time scales — are parsed as they would be.
#![no_main]

use clap::Parser as _;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut args = vec!["flowexpr"];
    args.extend(text.split('\0').take(16));
    let _ = flowexpr::cli::Cli::try_parse_from(&args);
    for arg in text.split('\0') {
        let _ = flowexpr::eval::context::parse_clock(arg);
        let _ = arg.parse::<f64>().map(|s| flowexpr::runtime::HttpRuntime::new().with_time_scale(s));
        if let Ok(v) = flowexpr::value::from_json_str(arg) {
            let _ = flowexpr::workflow::params::parameters_from_value(&v);
        }
    }
});
