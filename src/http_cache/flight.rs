//! Request coalescing: when many readers miss the same answer at once, one of them computes it
//! and the others wait for it, so a popular page that was just invalidated (or a search that is
//! suddenly in the news) costs one render, not one per reader in flight.
//!
//! The first reader to miss a key becomes its leader; readers that miss it while the leader
//! works subscribe to the leader's channel. The leader stores its answer in the cache and then
//! ends the flight (also when it fails or its answer is not cacheable); each waiting reader then
//! looks in the cache again, under the cache's usual rule, and computes the answer itself only
//! if it finds none there. Waiting is bounded, so a stuck leader delays others by at most
//! [`MAX_WAIT`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::watch;

/// The longest a reader waits for another's answer before computing its own.
pub const MAX_WAIT: Duration = Duration::from_secs(5);

/// The keys being computed, each with the channel its waiting readers listen on.
#[derive(Debug, Default)]
pub struct Flights {
    computing: Mutex<HashMap<String, watch::Sender<()>>>,
}

/// What a reader that missed does.
pub enum Turn {
    /// Compute the answer; the flight ends when this is dropped.
    Lead(Leader),
    /// Wait for the leader, then look in the cache again.
    Follow(watch::Receiver<()>),
}

/// The reader computing a key's answer; dropping it wakes the readers waiting for it.
pub struct Leader {
    flights: Arc<Flights>,
    key: String,
}

impl Flights {
    /// Joins the flight of `key`, leading it when there is none.
    pub fn join(self: &Arc<Self>, key: &str) -> Turn {
        let mut computing = self.computing.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(sender) = computing.get(key) {
            return Turn::Follow(sender.subscribe());
        }
        let (sender, _) = watch::channel(());
        computing.insert(key.to_owned(), sender);
        Turn::Lead(Leader {
            flights: Arc::clone(self),
            key: key.to_owned(),
        })
    }

    /// How many keys are being computed (for tests and metrics).
    pub fn len(&self) -> usize {
        self.computing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for Leader {
    fn drop(&mut self) {
        // Dropping the sender closes the channel: every subscriber's `changed()` returns, also
        // those that subscribed a moment ago (a closed channel stays closed).
        self.flights
            .computing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.key);
    }
}

/// Waits until the leader is done, or [`MAX_WAIT`].
pub async fn wait(mut receiver: watch::Receiver<()>) {
    let _ = tokio::time::timeout(MAX_WAIT, receiver.changed()).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn followers_wake_when_the_leader_is_done() {
        let flights = Arc::new(Flights::default());
        let Turn::Lead(leader) = flights.join("/a") else {
            panic!("the first reader leads");
        };
        let Turn::Follow(receiver) = flights.join("/a") else {
            panic!("the second reader follows");
        };
        assert!(
            matches!(flights.join("/b"), Turn::Lead(_)),
            "other keys are independent"
        );
        let waiting = tokio::spawn(wait(receiver));
        drop(leader);
        tokio::time::timeout(Duration::from_secs(1), waiting)
            .await
            .expect("woken at once")
            .expect("joined");
        assert!(flights.is_empty());
        assert!(
            matches!(flights.join("/a"), Turn::Lead(_)),
            "a new flight after the end"
        );
    }
}
