//! How long each stage of a run took, and progress on stderr for long runs.

use std::time::{Duration, Instant};

/// After this long a run with progress on starts naming its stages on stderr.
const QUIET_FOR: Duration = Duration::from_millis(500);

/// The stages of one run, timed in order.
#[derive(Debug)]
pub struct Stages {
    start: Instant,
    progress: bool,
    current: Option<(&'static str, Instant)>,
    done: Vec<(&'static str, Duration)>,
}

impl Stages {
    /// Starts timing; with `progress`, stages that begin after the first half second
    /// are named on stderr, so a short run prints nothing.
    pub fn new(progress: bool) -> Self {
        Self { start: Instant::now(), progress, current: None, done: Vec::new() }
    }

    /// Ends the current stage and begins `name`.
    pub fn begin(&mut self, name: &'static str) {
        self.end();
        let now = Instant::now();
        if self.progress && now - self.start >= QUIET_FOR {
            eprintln!("specwright: {name}… ({:.1} s so far)", (now - self.start).as_secs_f64());
        }
        self.current = Some((name, now));
    }

    /// Ends the current stage; time spent in a stage that was begun twice adds up.
    pub fn end(&mut self) {
        if let Some((name, began)) = self.current.take() {
            let took = began.elapsed();
            match self.done.iter_mut().find(|(n, _)| *n == name) {
                Some((_, total)) => *total += took,
                None => self.done.push((name, took)),
            }
        }
    }

    /// The stages so far with their times, in the order they first began.
    pub fn finish(mut self) -> Vec<(&'static str, Duration)> {
        self.end();
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::Stages;

    #[test]
    fn stages_are_timed_in_order_and_repeats_add_up() {
        let mut stages = Stages::new(false);
        stages.begin("load");
        stages.begin("emit");
        std::thread::sleep(std::time::Duration::from_millis(5));
        stages.begin("render");
        stages.begin("emit");
        std::thread::sleep(std::time::Duration::from_millis(5));
        let done = stages.finish();
        let names: Vec<_> = done.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["load", "emit", "render"]);
        assert!(done[1].1 >= std::time::Duration::from_millis(10), "{done:?}");
    }
}
