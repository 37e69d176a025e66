//! Webhooks: events recorded in the transaction of the change they report (an outbox), the
//! endpoints that want them, and the worker that delivers them signed by the Standard Webhooks
//! rules, to public addresses only.

pub mod events;
pub mod guard;
pub mod secrets;
pub mod worker;
