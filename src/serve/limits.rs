//! Limits on what clients can make the server do: how many connect at once (the rest get
//! SQLSTATE 53300), how long a statement may run (57014, "statement timeout"), and a client's
//! cancel request (57014, "user request"). Both end a statement wherever it is: planning,
//! computing, or streaming its rows, which are never gathered whole in the server.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use async_trait::async_trait;
use futures::Stream;
use pgwire::api::cancel::CancelHandler;
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::cancel::CancelRequest;
use pgwire::messages::startup::SecretKey;
use tokio::time::{Instant, Sleep};
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

use super::statement::error;

/// The connections that can be cancelled, by the process id and secret key each was given at
/// login (a cancel request arrives on a connection of its own, with just those two).
#[derive(Default)]
pub struct CancelRegistry {
    slots: Mutex<HashMap<ConnectionKey, Arc<CancelSlot>>>,
}

/// A connection's process id and secret key.
type ConnectionKey = (i32, Vec<u8>);

/// One connection's running statement, as far as a cancel request is concerned.
#[derive(Default)]
pub struct CancelSlot {
    current: Mutex<CancellationToken>,
}

impl CancelSlot {
    /// A new statement starts: the token a cancel request will trigger.
    pub fn begin(&self) -> CancellationToken {
        let token = CancellationToken::new();
        *self.current.lock().expect("cancel slot") = token.clone();
        token
    }
}

/// A connection's place in the registry, removed when the connection ends.
pub struct Registration {
    registry: Arc<CancelRegistry>,
    key: ConnectionKey,
    pub slot: Arc<CancelSlot>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.registry
            .slots
            .lock()
            .expect("cancel registry")
            .remove(&self.key);
    }
}

impl CancelRegistry {
    pub fn register(self: &Arc<Self>, pid: i32, secret: SecretKey) -> Registration {
        let key = (pid, secret.to_bytes().to_vec());
        let slot = Arc::new(CancelSlot::default());
        self.slots
            .lock()
            .expect("cancel registry")
            .insert(key.clone(), slot.clone());
        Registration {
            registry: self.clone(),
            key,
            slot,
        }
    }

    /// Cancels the statement running on the connection with this id and key; false if there is
    /// no such connection.
    pub fn cancel(&self, pid: i32, secret: &SecretKey) -> bool {
        let slot = self
            .slots
            .lock()
            .expect("cancel registry")
            .get(&(pid, secret.to_bytes().to_vec()))
            .cloned();
        match slot {
            Some(slot) => {
                slot.current.lock().expect("cancel slot").cancel();
                true
            }
            None => false,
        }
    }
}

/// Answers cancel requests from the registry.
pub struct Canceller(pub Arc<CancelRegistry>);

#[async_trait]
impl CancelHandler for Canceller {
    async fn on_cancel_request(&self, request: CancelRequest) {
        let found = self.0.cancel(request.pid, &request.secret_key);
        super::log::cancel_request(request.pid, found);
    }
}

/// When a statement must stop: its deadline, or a cancel request.
#[derive(Clone)]
pub struct Stop {
    pub deadline: Instant,
    pub token: CancellationToken,
    /// The user and client, for the log line when the statement is stopped.
    pub who: Option<(String, SocketAddr)>,
}

impl Stop {
    pub fn new(timeout: Duration, token: CancellationToken) -> Stop {
        Stop {
            deadline: Instant::now() + timeout,
            token,
            who: None,
        }
    }

    fn stopped(&self, e: PgWireError) -> PgWireError {
        let info: pgwire::error::ErrorInfo = e.into();
        if let Some((user, peer)) = &self.who {
            super::log::stopped(user, *peer, &info.message);
        }
        PgWireError::UserError(Box::new(info))
    }

    /// Runs `work` until it finishes or the statement must stop.
    pub async fn run<T>(&self, work: impl Future<Output = PgWireResult<T>>) -> PgWireResult<T> {
        tokio::select! {
            result = work => result,
            _ = self.token.cancelled() => Err(self.stopped(cancelled())),
            _ = tokio::time::sleep_until(self.deadline) => Err(self.stopped(timed_out())),
        }
    }

    /// `rows`, ended by an error as soon as the statement must stop.
    pub fn stream<S>(self, rows: S) -> Limited<S> {
        Limited {
            rows,
            deadline: Box::pin(tokio::time::sleep_until(self.deadline)),
            cancelled: Box::pin(self.token.clone().cancelled_owned()),
            finished: false,
            stop: self,
        }
    }
}

/// A stream of results that ends with 57014 at the deadline or on a cancel request; dropping
/// the inner stream stops DataFusion's work for it.
pub struct Limited<S> {
    rows: S,
    deadline: Pin<Box<Sleep>>,
    cancelled: Pin<Box<WaitForCancellationFutureOwned>>,
    finished: bool,
    stop: Stop,
}

impl<S, T> Stream for Limited<S>
where
    S: Stream<Item = PgWireResult<T>> + Unpin,
{
    type Item = PgWireResult<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.finished {
            return Poll::Ready(None);
        }
        let stop = if self.cancelled.as_mut().poll(cx).is_ready() {
            Some(cancelled())
        } else if self.deadline.as_mut().poll(cx).is_ready() {
            Some(timed_out())
        } else {
            None
        };
        if let Some(e) = stop {
            self.finished = true;
            return Poll::Ready(Some(Err(self.stop.stopped(e))));
        }
        let next = Pin::new(&mut self.rows).poll_next(cx);
        if let Poll::Ready(None) = next {
            self.finished = true;
        }
        next
    }
}

fn timed_out() -> PgWireError {
    error(
        "57014",
        "canceling statement due to statement timeout".into(),
    )
}

fn cancelled() -> PgWireError {
    error("57014", "canceling statement due to user request".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    #[tokio::test]
    async fn a_stream_ends_at_the_deadline_or_on_cancel() {
        let forever = || futures::stream::repeat_with(|| PgWireResult::Ok(1)).boxed();
        let stop = Stop::new(Duration::from_millis(50), CancellationToken::new());
        let items: Vec<_> = stop
            .stream(
                forever()
                    .then(|x| async move {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                        x
                    })
                    .boxed(),
            )
            .collect()
            .await;
        let last: pgwire::error::ErrorInfo = items.into_iter().last().unwrap().unwrap_err().into();
        assert!(
            last.message.contains("statement timeout"),
            "{}",
            last.message
        );

        let token = CancellationToken::new();
        let stop = Stop::new(Duration::from_secs(60), token.clone());
        token.cancel();
        let items: Vec<_> = stop.stream(forever()).collect().await;
        assert_eq!(items.len(), 1);
    }

    #[test]
    fn a_cancel_reaches_only_its_connection() {
        let registry = Arc::new(CancelRegistry::default());
        let a = registry.register(1, SecretKey::I32(7));
        let b = registry.register(2, SecretKey::I32(8));
        let (ta, tb) = (a.slot.begin(), b.slot.begin());
        assert!(!registry.cancel(1, &SecretKey::I32(8)));
        assert!(registry.cancel(1, &SecretKey::I32(7)));
        assert!(ta.is_cancelled() && !tb.is_cancelled());
        drop(a);
        assert!(!registry.cancel(1, &SecretKey::I32(7)));
    }
}
