//! Real CPython interpreters, to check the local renderer against: each
//! template is compiled by the Python back end and run the way the remote
//! side runs it, many templates per interpreter process.
//!
//! `python3` must exist. Every other CPython found is used too: the
//! versions under `$PYENV_ROOT/versions` (default `/root/.pyenv`) and the
//! paths in `RMOTE_EXTRA_PYTHONS` (colon-separated). Outputs must agree with
//! all of them; error messages are compared with `python3` only, since
//! CPython rewords them between versions.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use rmote_template::{Compiled, ErrorKind, LocalTemplate, Template};

/// What rendering a template gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The output.
    Ok(String),
    /// A runtime error, as `Type: message`.
    Error(String),
    /// The generated module does not compile.
    Syntax(String),
    /// The local renderer refuses the template.
    Refused(String),
}

/// One template and its context (JSON text of an object, or empty).
#[derive(Debug, Clone)]
pub struct Case {
    pub source: String,
    pub context: String,
}

impl Case {
    pub fn new(source: impl Into<String>) -> Case {
        Case {
            source: source.into(),
            context: String::new(),
        }
    }

    pub fn with_context(source: impl Into<String>, context: impl Into<String>) -> Case {
        Case {
            source: source.into(),
            context: context.into(),
        }
    }
}

/// The interpreter every message is compared with.
pub fn main_python() -> PathBuf {
    PathBuf::from("python3")
}

/// Every other interpreter found.
pub fn other_pythons() -> Vec<PathBuf> {
    rmote_testkit::other_pythons()
}

/// Runs every case in one process of `python`.
const HARNESS: &str = r#"
import sys, json, binascii
def unhex(s):
    return binascii.unhexlify(s.encode('ascii')).decode('utf-8')
def tohex(s):
    return binascii.hexlify(s.encode('utf-8', 'surrogatepass')).decode('ascii')
results = []
for line in sys.stdin.read().split('\n'):
    if not line:
        continue
    code_hex, context_hex = line.split(' ')
    code, context = unhex(code_hex), unhex(context_hex)
    out = []
    names = json.loads(context) if context else {}
    names['__rmote_w__'] = out.append
    names['__rmote_str__'] = str
    try:
        compiled = compile(code, '<template>', 'exec')
    except SyntaxError as e:
        results.append('syntax ' + tohex(str(e.msg)))
        continue
    try:
        exec(compiled, names)
        results.append('ok ' + tohex(''.join(out)[1:]))
    except BaseException as e:
        text = str(e)
        results.append('err ' + tohex(type(e).__name__ + (': ' + text if text else '')))
sys.stdout.write('\n'.join(results) + '\n')
"#;

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> String {
    let bytes: Vec<u8> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex from the harness"))
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The outcome of every case under `python` (the template compiled by the
/// Python back end; a template that does not parse is a `Syntax` outcome).
pub fn run_python(python: &PathBuf, cases: &[Case]) -> Vec<Outcome> {
    let mut input = String::new();
    for case in cases {
        let code = match Compiled::new(case.source.as_str()) {
            Ok(compiled) => compiled.code().to_string(),
            // A line Python cannot compile, so the outcome is `syntax`.
            Err(_) => "(".to_string(),
        };
        input.push_str(&format!("{} {}\n", hex(&code), hex(&case.context)));
    }
    let mut child = Command::new(python)
        .arg("-c")
        .arg(HARNESS)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        stdin
            .write_all(input.as_bytes())
            .expect("writing the cases");
    });
    let output = child.wait_with_output().expect("the harness output");
    writer.join().expect("the writer");
    assert!(output.status.success(), "{} failed", python.display());
    let text = String::from_utf8(output.stdout).expect("ASCII output");
    let outcomes: Vec<Outcome> = text
        .lines()
        .map(|line| {
            let (kind, data) = line.split_once(' ').unwrap_or((line, ""));
            let data = unhex(data);
            match kind {
                "ok" => Outcome::Ok(data),
                "err" => Outcome::Error(data),
                _ => Outcome::Syntax(data),
            }
        })
        .collect();
    assert_eq!(
        outcomes.len(),
        cases.len(),
        "{} lost cases",
        python.display()
    );
    outcomes
}

/// The outcome of a case under the local renderer.
pub fn run_local(case: &Case) -> Outcome {
    let result = Template::parse(&case.source).and_then(|t| {
        let local = LocalTemplate::new(&t)?;
        if case.context.is_empty() {
            local.render(&crate::json::Json::Object(Vec::new()))
        } else {
            let context = crate::json::parse(&case.context).expect("a JSON context");
            local.render(&context)
        }
    });
    match result {
        Ok(out) => Outcome::Ok(out),
        Err(e) => match e.kind() {
            ErrorKind::Render => Outcome::Error(e.message().to_string()),
            ErrorKind::Syntax => Outcome::Syntax(e.message().to_string()),
            _ => Outcome::Refused(e.to_string()),
        },
    }
}

/// What comparing the local renderer with the interpreters found.
#[derive(Debug, Default)]
pub struct Report {
    pub mismatches: Vec<String>,
    pub refused: Vec<String>,
    pub agreed: usize,
    pub pythons: Vec<String>,
}

/// Renders every case locally and with every interpreter, and compares.
pub fn compare(cases: &[Case]) -> Report {
    let local: Vec<Outcome> = cases.iter().map(run_local).collect();
    let main = main_python();
    let others = other_pythons();
    let handles: Vec<_> = std::iter::once(main.clone())
        .chain(others.iter().cloned())
        .map(|python| {
            let cases = cases.to_vec();
            std::thread::spawn(move || (python.clone(), run_python(&python, &cases)))
        })
        .collect();
    let results: Vec<(PathBuf, Vec<Outcome>)> = handles
        .into_iter()
        .map(|h| h.join().expect("a python run"))
        .collect();
    let mut report = Report {
        pythons: results
            .iter()
            .map(|(p, _)| p.display().to_string())
            .collect(),
        ..Report::default()
    };
    for (i, (case, mine)) in cases.iter().zip(&local).enumerate() {
        let mut ok = true;
        for (n, (python, outcomes)) in results.iter().enumerate() {
            let theirs = &outcomes[i];
            let is_main = n == 0;
            let agrees = match (mine, theirs) {
                (Outcome::Refused(_), _) => true,
                (Outcome::Ok(a), Outcome::Ok(b)) => a == b,
                (Outcome::Error(a), Outcome::Error(b)) => !is_main || a == b,
                (Outcome::Syntax(_), Outcome::Syntax(_)) => true,
                _ => false,
            };
            if !agrees {
                ok = false;
                report.mismatches.push(format!(
                    "{:?}{}\n    local:  {mine:?}\n    {}: {theirs:?}",
                    case.source,
                    if case.context.is_empty() {
                        String::new()
                    } else {
                        format!(" with {}", case.context)
                    },
                    python.display()
                ));
            }
        }
        match mine {
            Outcome::Refused(why) => report.refused.push(format!("{:?}: {why}", case.source)),
            _ if ok => report.agreed += 1,
            _ => {}
        }
    }
    if others.is_empty() {
        eprintln!(
            "NOTE: only python3 was found; set PYENV_ROOT or RMOTE_EXTRA_PYTHONS to check other CPython versions"
        );
    }
    report
}

/// Compares and fails on any mismatch, or when more than `max_refused`
/// cases are refused.
#[track_caller]
pub fn check_all(cases: &[Case], max_refused: usize) -> Report {
    let report = compare(cases);
    eprintln!(
        "{} cases agree with {}; {} refused locally:\n{}",
        report.agreed,
        report.pythons.join(", "),
        report.refused.len(),
        report.refused.join("\n")
    );
    assert!(
        report.mismatches.is_empty(),
        "{} of {} cases differ from CPython ({}):\n{}",
        report.mismatches.len(),
        cases.len(),
        report.pythons.join(", "),
        report.mismatches.join("\n")
    );
    assert!(
        report.refused.len() <= max_refused,
        "{} cases refused (at most {max_refused} expected):\n{}",
        report.refused.len(),
        report.refused.join("\n")
    );
    report
}
