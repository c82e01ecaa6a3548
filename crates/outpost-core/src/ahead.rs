//! Work done ahead on the second core: a thread produces items in order while the caller
//! consumes them, handed over in batches. A month's merge hands over ten thousand
//! decoded changes and twelve thousand records read for projection; handed over one by
//! one, the faster side waited on a full (or empty) channel and every item woke it
//! again, a system call each.

use std::sync::mpsc::sync_channel;
use std::thread::Scope;

/// The most items handed over at a time.
const BATCH: usize = 64;

/// The first batch's size: small, so the consumer starts at once; later batches double
/// up to [`BATCH`].
const FIRST_BATCH: usize = 4;

/// Runs `items` on a thread of `scope` and yields what it produces, in order, with about
/// `room` items produced ahead at most. When the returned iterator is dropped, the
/// thread stops at its next hand-over.
pub(crate) fn ahead<'scope, T, I>(
    scope: &'scope Scope<'scope, '_>,
    room: usize,
    items: I,
) -> impl Iterator<Item = T> + 'scope
where
    T: Send + 'scope,
    I: Iterator<Item = T> + Send + 'scope,
{
    let (send, batches) = sync_channel::<Vec<T>>((room / BATCH).max(1));
    scope.spawn(move || {
        let mut size = FIRST_BATCH;
        let mut batch = Vec::with_capacity(size);
        for item in items {
            batch.push(item);
            if batch.len() >= size {
                size = (size * 2).min(BATCH);
                let full = std::mem::replace(&mut batch, Vec::with_capacity(size));
                if send.send(full).is_err() {
                    return;
                }
            }
        }
        if !batch.is_empty() {
            // The consumer may have stopped already: nothing is lost then.
            let _ = send.send(batch);
        }
    });
    batches.into_iter().flatten()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn every_item_comes_once_and_in_order() {
        for count in [0, 1, FIRST_BATCH, BATCH, BATCH * 3 + 5] {
            let got: Vec<usize> = std::thread::scope(|s| ahead(s, 256, 0..count).collect());
            assert_eq!(got, (0..count).collect::<Vec<_>>(), "{count} items");
        }
    }

    #[test]
    fn a_consumer_that_stops_stops_the_producer_soon_after() {
        let produced = AtomicUsize::new(0);
        let total = 100_000;
        let taken: Vec<usize> = std::thread::scope(|s| {
            let items = (0..total).inspect(|_| {
                produced.fetch_add(1, Ordering::Relaxed);
            });
            ahead(s, 256, items).take(10).collect()
        });
        assert_eq!(taken, (0..10).collect::<Vec<_>>());
        // What was in hand, in the channel and in the batch being filled: far from all.
        assert!(
            produced.load(Ordering::Relaxed) < 256 + 3 * BATCH,
            "{produced:?}"
        );
    }
}
