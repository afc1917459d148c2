//! Progress on stderr: a live line on a terminal, plain lines otherwise (logs stay readable),
//! nothing with `--quiet`.

use std::cell::{OnceCell, RefCell};
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::numbers::thousands;

/// Reports what a long command is doing.
pub struct Reporter {
    /// Shown from the first step on, so commands without steps (the SQL prompt) show nothing.
    bar: OnceCell<ProgressBar>,
    live: bool,
    plain: bool,
    current: RefCell<String>,
}

impl Reporter {
    pub fn new(quiet: bool) -> Reporter {
        let terminal = std::io::stderr().is_terminal();
        Reporter {
            bar: OnceCell::new(),
            live: !quiet && terminal,
            plain: !quiet && !terminal,
            current: RefCell::default(),
        }
    }

    fn bar(&self) -> Option<&ProgressBar> {
        self.live.then(|| {
            self.bar.get_or_init(|| {
                let bar = ProgressBar::new_spinner();
                let style = ProgressStyle::with_template("{spinner} {msg} ({elapsed})");
                bar.set_style(style.expect("a valid template"));
                bar.enable_steady_tick(Duration::from_millis(120));
                bar
            })
        })
    }

    /// A new step has started.
    pub fn step(&self, message: &str) {
        *self.current.borrow_mut() = message.to_owned();
        if let Some(bar) = self.bar() {
            bar.set_message(message.to_owned());
        } else if self.plain {
            eprintln!("{message}");
        }
    }

    /// A message that is not progress (a warning, a decision the user should know about):
    /// printed on stderr even with `--quiet`, above the live line.
    pub fn note(&self, message: &str) {
        match self.bar.get() {
            Some(bar) => bar.suspend(|| eprintln!("{message}")),
            None => eprintln!("{message}"),
        }
    }

    /// Clears the live line before results are printed.
    pub fn finish(&self) {
        if let Some(bar) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}

impl crate::refresh::Steps for Reporter {
    fn step(&self, message: &str) {
        Reporter::step(self, message);
    }
}

impl crate::ingest::Progress for Reporter {
    fn dataset(&self, name: &str) {
        self.step(&format!("reading {name}"));
    }

    fn rows(&self, rows_read: u64) {
        if let Some(bar) = self.bar.get() {
            bar.set_message(format!(
                "{}: {} rows",
                self.current.borrow(),
                thousands(rows_read)
            ));
        }
    }
}

/// `1 row`, `2 rows`, `1,234 rows`.
pub fn count(n: u64, noun: &str) -> String {
    format!("{} {noun}{}", thousands(n), if n == 1 { "" } else { "s" })
}
