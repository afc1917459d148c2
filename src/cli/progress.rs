//! Progress on stderr: a live line on a terminal, plain lines otherwise (logs stay readable),
//! nothing with `--quiet`.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// Reports what a long command is doing.
pub struct Reporter {
    bar: Option<ProgressBar>,
    plain: bool,
    current: std::cell::RefCell<String>,
}

impl Reporter {
    pub fn new(quiet: bool) -> Reporter {
        let terminal = std::io::stderr().is_terminal();
        let bar = (!quiet && terminal).then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .expect("valid template"),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Reporter {
            bar,
            plain: !quiet && !terminal,
            current: Default::default(),
        }
    }

    /// A new step has started.
    pub fn step(&self, message: &str) {
        *self.current.borrow_mut() = message.to_owned();
        if let Some(bar) = &self.bar {
            bar.set_message(message.to_owned());
        } else if self.plain {
            eprintln!("{message}");
        }
    }

    /// Clears the live line before results are printed.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl crate::ingest::Progress for Reporter {
    fn dataset(&self, name: &str) {
        self.step(&format!("reading {name}"));
    }

    fn rows(&self, rows_read: u64) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!(
                "{}: {} rows",
                self.current.borrow(),
                thousands(rows_read)
            ));
        }
    }
}

/// 1234567 as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
