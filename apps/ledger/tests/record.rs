//! Writing a message's transaction exactly once, straight through the store: a message id
//! written before adds nothing, a body without id is matched only when it may be a second
//! copy, and what PostgreSQL refuses is a refusal, not an error to retry.

mod common;

use common::Env;
use ledger::Store;
use ledger::message::{MessageKey, Transaction};
use ledger::store::Recorded;

#[tokio::test]
async fn each_message_is_written_once() {
    let Some(env) = Env::new("record") else {
        return;
    };
    env.setup();
    let store = Store::new(&env.settings.postgres_url, &env.settings.schema).unwrap();
    store.check().await.unwrap();
    let t = Transaction::new(1, "600").unwrap();
    let body = t.to_json();

    // With an id: once, however often it comes.
    let key = MessageKey::of(Some("m-1"), body.as_bytes());
    assert_eq!(
        store.record(&t, &key, false).await.unwrap(),
        Recorded::Written { transaction_id: 4 }
    );
    for maybe_written in [false, true] {
        assert_eq!(
            store.record(&t, &key, maybe_written).await.unwrap(),
            Recorded::Duplicate { transaction_id: 4 }
        );
    }

    // Without an id: a first delivery is a new transaction, even with the same body...
    let bare = MessageKey::of(None, body.as_bytes());
    for id in [5, 6] {
        assert_eq!(
            store.record(&t, &bare, false).await.unwrap(),
            Recorded::Written { transaction_id: id }
        );
    }
    // ...but one that came again may be a copy of one written: not written again.
    assert_eq!(
        store.record(&t, &bare, true).await.unwrap(),
        Recorded::PossibleDuplicate { transaction_id: 6 }
    );
    // A redelivered body never written is written.
    let other = Transaction::new(2, "5").unwrap();
    let other_key = MessageKey::of(None, other.to_json().as_bytes());
    assert_eq!(
        store.record(&other, &other_key, true).await.unwrap(),
        Recorded::Written { transaction_id: 7 }
    );

    // Refusals, with nothing written.
    let unknown = Transaction::new(42, "1").unwrap();
    let reason = match store
        .record(&unknown, &MessageKey::of(Some("m-2"), b"x"), false)
        .await
    {
        Ok(Recorded::Refused(reason)) => reason,
        other => panic!("{other:?}"),
    };
    assert_eq!(reason, "unknown provider: initial_data has no id 42");
    let huge = Transaction::new(1, "1e999999").unwrap();
    let refused = store
        .record(&huge, &MessageKey::of(Some("m-3"), b"y"), false)
        .await;
    assert!(matches!(refused, Ok(Recorded::Refused(_))), "{refused:?}");
    assert_eq!(env.rows().await.len(), 7);

    // The balances: one query, exact.
    let balances = store.balances().await.unwrap();
    let shown: Vec<_> = balances
        .iter()
        .map(|b| format!("{}_{}={}", b.id, b.provider_name, b.balance))
        .collect();
    assert_eq!(shown, ["1_Visa=3100", "2_Mastercard=1805"]);
}
