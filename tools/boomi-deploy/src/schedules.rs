//! `schedules set`: cron to Boomi schedules, applied on every runtime of an environment.

use std::collections::BTreeSet;

use boomi_platform::filters::ProcessSchedulesProperty;
use boomi_platform::models::{ProcessSchedules, Schedule};
use boomi_platform::runtime::CallOptions;
use boomi_platform::runtime::futures::TryStreamExt;
use serde_json::{Value, json};

use crate::Report;
use crate::cli::SchedulesSetArgs;
use crate::context::{Change, Ctx, ids};
use crate::error::{Failure, Outcome};
use crate::lookup::{self, Env};

/// The help of `schedules set`.
pub const CRON_HELP: &str = "\
--cron takes five fields, \"minute hour day-of-month month day-of-week\", each `*`, a
number, a range `a-b`, a step `*/n` or `a-b/n`, or a comma list of those. Day of week is
0-7 (0 and 7 are Sunday) or SUN-SAT, month 1-12 or JAN-DEC. It becomes one Boomi
schedule (Boomi counts days of the week from 1 = Sunday; the conversion is done here).

For every runtime attached to the environment, the process's schedules are replaced by
that one schedule (or removed with --clear); a runtime whose schedules are already so is
left alone.

Examples:
  boomi-deploy schedules set --env TEST --process 5d1a... --cron \"0 2 * * *\"
  boomi-deploy schedules set --env PROD --process 5d1a... --cron \"*/15 8-18 * * MON-FRI\"
  boomi-deploy schedules set --env PROD --process 5d1a... --clear";

const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

/// Parses `m h dom mon dow` into a Boomi schedule; the error names the bad field.
pub fn parse_cron(cron: &str) -> Result<Schedule, String> {
    let fields: Vec<&str> = cron.split_whitespace().collect();
    let [minutes, hours, dom, months, dow] = fields.as_slice() else {
        return Err(format!(
            "`{cron}` has {} field(s); a cron expression has 5: minute hour day-of-month month day-of-week",
            fields.len()
        ));
    };
    Ok(Schedule {
        minutes: Some(check_field("minute", minutes, 0, 59, &[])?),
        hours: Some(check_field("hour", hours, 0, 23, &[])?),
        days_of_month: Some(check_field("day of month", dom, 1, 31, &[])?),
        months: Some(check_field("month", months, 1, 12, &MONTHS)?),
        days_of_week: Some(days_of_week(dow)?),
        years: Some("*".into()),
    })
}

/// A number, or a name (`names[0]` is `min`).
fn number(what: &str, text: &str, min: u32, max: u32, names: &[&str]) -> Result<u32, String> {
    let upper = text.to_ascii_uppercase();
    if let Some(i) = names.iter().position(|n| *n == upper) {
        return Ok(min + i as u32);
    }
    let n: u32 = text
        .parse()
        .map_err(|_| format!("{what} `{text}` is not a number"))?;
    if n < min || n > max {
        return Err(format!("{what} {n} is out of range {min}-{max}"));
    }
    Ok(n)
}

/// The values of one cron field, checked.
fn expand(
    what: &str,
    field: &str,
    min: u32,
    max: u32,
    names: &[&str],
) -> Result<BTreeSet<u32>, String> {
    let mut out = BTreeSet::new();
    for part in field.split(',') {
        if part.is_empty() {
            return Err(format!("{what} `{field}` has an empty list item"));
        }
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => {
                let step: u32 = s
                    .parse()
                    .map_err(|_| format!("{what} step `{s}` is not a number"))?;
                if step == 0 {
                    return Err(format!("{what} step must be at least 1"));
                }
                (r, step)
            }
            None => (part, 1),
        };
        let (low, high) = if range == "*" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            let (a, b) = (
                number(what, a, min, max, names)?,
                number(what, b, min, max, names)?,
            );
            if a > b {
                return Err(format!("{what} range `{range}` goes backwards"));
            }
            (a, b)
        } else {
            let a = number(what, range, min, max, names)?;
            (a, if part.contains('/') { max } else { a })
        };
        out.extend((low..=high).step_by(step as usize));
    }
    Ok(out)
}

/// Checks a field and gives it back with names replaced by numbers.
fn check_field(
    what: &str,
    field: &str,
    min: u32,
    max: u32,
    names: &[&str],
) -> Result<String, String> {
    expand(what, field, min, max, names)?;
    if names.is_empty() {
        return Ok(field.to_owned());
    }
    let mut text = field.to_ascii_uppercase();
    for (i, name) in names.iter().enumerate() {
        text = text.replace(name, &(min + i as u32).to_string());
    }
    Ok(text)
}

/// Cron's day of week (0 or 7 = Sunday) as Boomi's (1 = Sunday ... 7 = Saturday).
fn days_of_week(field: &str) -> Result<String, String> {
    let days = expand("day of week", field, 0, 7, &DAYS)?;
    let boomi: BTreeSet<u32> = days.iter().map(|d| d % 7 + 1).collect();
    if boomi.len() == 7 {
        return Ok("*".into());
    }
    Ok(compact(&boomi))
}

/// `1,2,3,5` → `1-3,5`.
fn compact(values: &BTreeSet<u32>) -> String {
    let mut parts = Vec::new();
    let mut iter = values.iter().copied().peekable();
    while let Some(start) = iter.next() {
        let mut end = start;
        while iter.peek() == Some(&(end + 1)) {
            end += 1;
            iter.next();
        }
        parts.push(if end > start {
            format!("{start}-{end}")
        } else {
            start.to_string()
        });
    }
    parts.join(",")
}

/// What happened on one runtime.
#[derive(Debug, Clone)]
pub struct RuntimeOutcome {
    /// The runtime (atom) ID.
    pub atom_id: String,
    /// `unchanged`, `updated` or `would update`.
    pub action: &'static str,
}

fn same(a: &[Schedule], b: &[Schedule]) -> bool {
    let norm = |s: &Schedule| {
        let f = |v: &Option<String>| v.clone().unwrap_or_else(|| "*".into());
        (
            f(&s.minutes),
            f(&s.hours),
            f(&s.days_of_month),
            f(&s.months),
            f(&s.days_of_week),
            f(&s.years),
        )
    };
    a.len() == b.len() && a.iter().map(norm).eq(b.iter().map(norm))
}

/// Sets the schedules of `process` on every runtime attached to `env`.
pub async fn apply(
    ctx: &Ctx,
    env: &Env,
    process: &str,
    wanted: &[Schedule],
) -> Outcome<Vec<RuntimeOutcome>> {
    let atoms = lookup::runtimes(ctx, env).await?;
    if atoms.is_empty() {
        return Err(Failure::Failed(format!(
            "no runtime is attached to {env}; nothing to schedule"
        )));
    }
    let mut outcomes = Vec::new();
    for atom in atoms {
        ctx.progress(&format!(
            "Reading the schedules of process {process} on runtime {atom}"
        ));
        let query = ProcessSchedulesProperty::AtomId.equals(&atom)
            & ProcessSchedulesProperty::ProcessId.equals(process);
        let found: Vec<ProcessSchedules> = ctx
            .read(
                &format!("reading the schedules of process {process} on runtime {atom}"),
                ctx.client.query_process_schedules_all(query).try_collect(),
            )
            .await?;
        let Some(current) = found
            .into_iter()
            .find(|s| s.atom_id == atom && s.process_id == process)
        else {
            return Err(Failure::Failed(format!(
                "process {process} has no schedules object on runtime {atom} of {env}: is it deployed there?"
            )));
        };
        if same(current.schedule.as_deref().unwrap_or_default(), wanted) {
            outcomes.push(RuntimeOutcome {
                atom_id: atom,
                action: "unchanged",
            });
            continue;
        }
        let body = ProcessSchedules {
            id: current.id.clone(),
            atom_id: atom.clone(),
            process_id: process.to_owned(),
            schedule: Some(wanted.to_vec()),
            retry: current.retry.clone(),
        };
        ctx.progress(&format!(
            "Updating the schedules of process {process} on runtime {atom}"
        ));
        let change = Change {
            action: if wanted.is_empty() {
                "clear-schedules"
            } else {
                "set-schedules"
            },
            object: "ProcessSchedules",
            method: "POST",
            path: format!("/ProcessSchedules/{}", current.id),
            shown_body: serde_json::to_value(&body).unwrap_or(Value::Null),
            ids: ids([
                ("environmentId", env.id.as_str()),
                ("atomId", &atom),
                ("processId", process),
                ("scheduleId", &current.id),
            ]),
            details: Some(json!({"schedules": wanted})),
        };
        let sent = ctx
            .change(
                change,
                // It replaces the runtime's whole schedule list: twice is the same as
                // once, so a dropped connection may be retried.
                ctx.client
                    .with(CallOptions::new().idempotent(true))
                    .update_process_schedules(&current.id, &body),
                |_| Vec::new(),
            )
            .await?;
        outcomes.push(RuntimeOutcome {
            atom_id: atom,
            action: if sent.is_some() {
                "updated"
            } else {
                "would update"
            },
        });
    }
    Ok(outcomes)
}

/// The schedules a `--cron` / `--clear` pair asks for.
pub fn wanted(cron: Option<&str>, clear: bool) -> Outcome<Vec<Schedule>> {
    match (cron, clear) {
        (_, true) => Ok(Vec::new()),
        (Some(cron), false) => parse_cron(cron)
            .map(|s| vec![s])
            .map_err(|e| Failure::Usage(format!("--cron: {e}"))),
        (None, false) => Err(Failure::Usage("give --cron or --clear".into())),
    }
}

/// `schedules set`.
pub async fn set(ctx: &Ctx, args: &SchedulesSetArgs) -> Outcome<Report> {
    let wanted = wanted(args.cron.as_deref(), args.clear)?;
    let env = lookup::environment(ctx, &args.env).await?;
    let outcomes = apply(ctx, &env, &args.process, &wanted).await?;
    Ok(report(&env, &args.process, &wanted, &outcomes))
}

/// Text and JSON for the outcomes on each runtime.
pub fn report(
    env: &Env,
    process: &str,
    wanted: &[Schedule],
    outcomes: &[RuntimeOutcome],
) -> Report {
    let text = outcomes
        .iter()
        .map(|o| {
            format!(
                "schedules of process {process} on runtime {} in {env}: {}",
                o.atom_id, o.action
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    Report::new(
        text,
        json!({
            "environmentId": env.id,
            "processId": process,
            "schedules": wanted,
            "runtimes": outcomes.iter().map(|o| json!({"atomId": o.atom_id, "action": o.action})).collect::<Vec<_>>(),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_days_of_week_to_boomi_numbers() {
        let s = parse_cron("0 2 * * *").unwrap();
        assert_eq!(s.days_of_week.as_deref(), Some("*"));
        assert_eq!(s.minutes.as_deref(), Some("0"));
        assert_eq!(s.years.as_deref(), Some("*"));
        assert_eq!(
            parse_cron("0 2 * * 0").unwrap().days_of_week.as_deref(),
            Some("1")
        );
        assert_eq!(
            parse_cron("0 2 * * 7").unwrap().days_of_week.as_deref(),
            Some("1")
        );
        assert_eq!(
            parse_cron("0 2 * * 1-5").unwrap().days_of_week.as_deref(),
            Some("2-6")
        );
        assert_eq!(
            parse_cron("0 2 * * MON-FRI")
                .unwrap()
                .days_of_week
                .as_deref(),
            Some("2-6")
        );
        assert_eq!(
            parse_cron("0 2 * * 5-7").unwrap().days_of_week.as_deref(),
            Some("1,6-7")
        );
        assert_eq!(
            parse_cron("*/15 8-18 1,15 JAN *")
                .unwrap()
                .months
                .as_deref(),
            Some("1")
        );
    }

    #[test]
    fn rejects_bad_fields_by_name() {
        for (cron, needle) in [
            ("0 2 * *", "5"),
            ("60 2 * * *", "minute 60"),
            ("0 24 * * *", "hour 24"),
            ("0 2 0 * *", "day of month 0"),
            ("0 2 * 13 *", "month 13"),
            ("0 2 * * 8", "day of week 8"),
            ("0 2 * * x", "day of week `x`"),
            ("*/0 2 * * *", "step"),
            ("5-1 2 * * *", "backwards"),
        ] {
            let err = parse_cron(cron).unwrap_err();
            assert!(err.contains(needle), "{cron}: {err}");
        }
    }
}
