//! The examples at the end of each subcommand's `--help` (and of its man page).

pub(super) const TOP: &str = "\
Examples:
  flowexpr eval \"formatDateTime(addDays(utcNow(), -7), 'yyyy-MM-dd')\"
  flowexpr run examples/reconciliation/flow.json --demo-server
  flowexpr check examples/reconciliation/flow.json
  flowexpr test examples/reconciliation
  flowexpr check examples/powerautomate/PatternTry-Catch-Finally.zip
  flowexpr help run";
pub(super) const EVAL: &str = "\
Examples:
  flowexpr eval \"addDays('2024-01-15T00:00:00Z', -7)\"
  flowexpr eval --raw \"formatDateTime(utcNow(), 'yyyy-MM-dd')\" --clock 2024-01-15T02:00:00Z
  flowexpr eval \"body('Get_Transactions')?['value']\" --context run.json
  echo '{\"variables\": {\"n\": 3}}' | flowexpr eval \"mul(variables('n'), 50)\" --context -";
pub(super) const RENDER: &str = "\
Examples:
  flowexpr render action.json --context run.json
  echo '{\"total\": \"@{add(1, 2)} items\", \"at\": \"@utcNow()\"}' | flowexpr render - --clock 2024-01-15T00:00:00Z";
pub(super) const PARSE: &str = "\
Examples:
  flowexpr parse \"concat('a', variables('b'))\"
  flowexpr parse \"@{triggerBody()?['id']} done\"";
pub(super) const REPL: &str = "\
Examples:
  flowexpr repl --context run.json
  printf '%s\\n' \"add(1, 2)\" \"toUpper('abc')\" | flowexpr repl";
pub(super) const CHECK: &str = "\
Examples:
  flowexpr check workflow.json
  flowexpr check examples/powerautomate/PatternTry-Catch-Finally.zip examples/standard
  flowexpr check flows/*.json exports/solution.zip --format json
  cat workflow.json | flowexpr check -";
pub(super) const TEST: &str = "\
Examples:
  flowexpr test
  flowexpr test examples/reconciliation --filter 429
  flowexpr test examples/powerautomate/PatternTry-Catch-Finally.zip
  flowexpr test exports/untested-solution.zip
  flowexpr test --format json | jq -c 'select(.status == \"failed\")'
  flowexpr test --junit report.xml
  flowexpr test --html report.html";
pub(super) const CONNECTOR: &str = "\
Examples:
  flowexpr connector list examples/connectors/expenses
  flowexpr connector call examples/connectors/expenses GetExpenses --param status=approved --dry-run";
pub(super) const RUN: &str = "\
Examples:
  flowexpr run examples/reconciliation/flow.json --demo-server
  flowexpr run flow.json --mocks mocks.json --clock 2024-01-15T02:00:00Z --out run.json
  flowexpr run examples/standard --workflow orders --mocks examples/standard/mocks.json
  flowexpr run examples/powerautomate/PatternTry-Catch-Finally.zip --stub-unmocked --tag flowDisplayName=Demo
  flowexpr run exports/solution.zip --workflow \"Expense digest\" --connections by-api-name.json
  echo '{\"id\": 7}' | flowexpr run flow.json --trigger-body -
  flowexpr run flow.json --mocks mocks.json --html run.html";
pub(super) const VIEW: &str = "\
Examples:
  flowexpr run examples/reconciliation/flow.json --demo-server --out run.json
  flowexpr view run.json --flow examples/reconciliation/flow.json -o run.html
  flowexpr view run.json
  flowexpr view service-run.json service-actions.json --flow workflow.json";
pub(super) const HTTP: &str = "\
Examples:
  flowexpr http action.json --context run.json --dry-run
  flowexpr http token.json call.json --context run.json";
pub(super) const FUNCTIONS: &str = "\
Examples:
  flowexpr functions --category datetime
  flowexpr functions --json | jq -r '.[].name'";
pub(super) const COMPLETIONS: &str = "\
Examples:
  flowexpr completions bash > ~/.local/share/bash-completion/completions/flowexpr
  flowexpr completions zsh > ~/.zfunc/_flowexpr
  flowexpr completions fish > ~/.config/fish/completions/flowexpr.fish
  flowexpr completions powershell >> $PROFILE";
pub(super) const MAN: &str = "\
Examples:
  flowexpr man | man -l -
  flowexpr man --out /usr/local/share/man/man1";
pub(super) const CONNECTOR_LIST: &str = "\
Examples:
  flowexpr connector list examples/connectors/expenses
  flowexpr connector list examples/connectors/slack --json | jq -r '.operations[].operationId'";
pub(super) const CONNECTOR_CALL: &str = "\
Examples:
  flowexpr connector call examples/connectors/expenses GetExpenses --param status=approved --dry-run
  SLACK_BOT_TOKEN=xoxb-test flowexpr connector call examples/connectors/slack SendRichMessage --connection examples/connectors/slack/connection.json --body examples/connectors/slack/message.json --dry-run";
pub(super) const CONNECTOR_CHECK: &str = "\
Examples:
  flowexpr connector check examples/connectors/expenses
  flowexpr connector check path/to/connector --json";
pub(super) const CONNECTOR_TEST: &str = "\
Examples:
  flowexpr connector test examples/connectors/expenses
  flowexpr connector test examples/connectors/expenses --junit report.xml";
pub(super) const CONNECTOR_SWEEP: &str = "\
Examples:
  flowexpr connector sweep path/to/connectors
  flowexpr connector sweep path/to/connectors --details";
