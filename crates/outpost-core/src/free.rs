//! Letting go of large values on another thread. A month's merge builds hundreds of
//! thousands of small allocations (expanded operations, the judge's overlay); freeing
//! them one by one costs a tenth of a second that the merge need not wait for.

use std::cell::RefCell;
use std::sync::mpsc::{Sender, channel};

/// How many values go to the freeing thread at a time (waking it costs more than
/// freeing a small value).
const LOAD: usize = 256;

/// Where spent values go to be freed by a thread of their own, a load at a time.
pub(crate) struct Bin<T: Send + 'static> {
    thread: Option<Sender<Vec<T>>>,
    load: RefCell<Vec<T>>,
}

impl<T: Send + 'static> Bin<T> {
    /// A bin with its own freeing thread; without one to be had, values are freed here.
    pub fn new() -> Bin<T> {
        let (send, spent) = channel::<Vec<T>>();
        let freeing = std::thread::Builder::new()
            .name("outpost-free".into())
            .spawn(move || spent.into_iter().for_each(drop));
        Bin {
            thread: freeing.ok().map(|_| send),
            load: RefCell::default(),
        }
    }

    /// A bin that frees values where they are put (for small batches, where a thread
    /// would cost more than it saves).
    pub fn here() -> Bin<T> {
        Bin {
            thread: None,
            load: RefCell::default(),
        }
    }

    /// Frees `value` on the bin's thread.
    pub fn put(&self, value: T) {
        if self.thread.is_none() {
            return;
        }
        let full = {
            let mut load = self.load.borrow_mut();
            load.push(value);
            load.len() >= LOAD
        };
        if full {
            self.send();
        }
    }

    fn send(&self) {
        let load = std::mem::take(&mut *self.load.borrow_mut());
        if let Some(thread) = &self.thread
            && !load.is_empty()
        {
            // The thread is gone only if it panicked: free them here then.
            if let Err(returned) = thread.send(load) {
                drop(returned.0);
            }
        }
    }
}

impl<T: Send + 'static> Drop for Bin<T> {
    fn drop(&mut self) {
        self.send();
    }
}

/// Frees one large value on a thread of its own.
pub(crate) fn later<T: Send + 'static>(value: T) {
    Bin::new().put(value);
}

thread_local! {
    /// What [`after_commit`] keeps until [`committed`].
    static AFTER_COMMIT: RefCell<Vec<Box<dyn Send>>> = RefCell::default();
    /// How many [`Hold`]s live on this thread.
    static HOLDS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Frees one large value on a thread of its own once the merge this thread is doing
/// has committed ([`committed`]). Freeing a month's small allocations while the merge
/// goes on made the merging thread's own allocations wait on the allocator's lock and
/// then sort the freed chunks (`malloc_consolidate`): 3-27 ms on its path.
pub(crate) fn after_commit<T: Send + 'static>(value: T) {
    AFTER_COMMIT.with(|kept| kept.borrow_mut().push(Box::new(value)));
}

/// The merge on this thread has committed (or failed): frees what it left for then,
/// unless a [`Hold`] keeps it longer.
pub(crate) fn committed() {
    if HOLDS.with(|holds| holds.get()) == 0 {
        release();
    }
}

fn release() {
    let kept = AFTER_COMMIT.with(|kept| std::mem::take(&mut *kept.borrow_mut()));
    if !kept.is_empty() {
        later(kept);
    }
}

/// While one lives, what merges on this thread leave to free after their commit waits
/// for its end instead: a sync step's reply comes after its merge's commit, and freeing
/// meanwhile made the reply's allocations wait on the allocator (7 -> 35-40 ms).
pub(crate) struct Hold(());

/// Holds what merges on this thread leave to free until the returned [`Hold`] drops.
pub(crate) fn hold() -> Hold {
    HOLDS.with(|holds| holds.set(holds.get() + 1));
    Hold(())
}

impl Drop for Hold {
    fn drop(&mut self) {
        let left = HOLDS.with(|holds| {
            let left = holds.get().saturating_sub(1);
            holds.set(left);
            left
        });
        if left == 0 {
            release();
        }
    }
}

/// A value lent for one step, put in its bin when the step is done (however it ends).
pub(crate) struct Lent<'b, T: Send + 'static> {
    value: Option<T>,
    bin: &'b Bin<T>,
}

impl<'b, T: Send + 'static> Lent<'b, T> {
    /// Lends `value`, to go in `bin` when dropped.
    pub fn new(value: T, bin: &'b Bin<T>) -> Self {
        Lent {
            value: Some(value),
            bin,
        }
    }
}

impl<T: Send + 'static> std::ops::Deref for Lent<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // Taken only in `drop`.
        self.value
            .as_ref()
            .expect("a lent value is there until dropped")
    }
}

impl<T: Send + 'static> Drop for Lent<'_, T> {
    fn drop(&mut self) {
        if let Some(value) = self.value.take() {
            self.bin.put(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Counts its drops.
    struct Counted(Arc<AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn everything_put_in_a_bin_is_freed_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        for bin in [Bin::new(), Bin::here()] {
            for _ in 0..100 {
                let lent = Lent::new(Counted(drops.clone()), &bin);
                assert!(Arc::ptr_eq(&lent.0, &drops), "a lent value reads as itself");
            }
            bin.put(Counted(drops.clone()));
        }
        later(Counted(drops.clone()));
        // The freeing threads end when their bins are dropped; wait for them to catch up.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while drops.load(Ordering::SeqCst) < 203 && std::time::Instant::now() < deadline {
            std::thread::yield_now();
        }
        assert_eq!(drops.load(Ordering::SeqCst), 203);
    }

    /// Waits (boundedly) until `drops` counts `n`.
    fn until_dropped(drops: &AtomicUsize, n: usize) -> usize {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while drops.load(Ordering::SeqCst) < n && std::time::Instant::now() < deadline {
            std::thread::yield_now();
        }
        drops.load(Ordering::SeqCst)
    }

    #[test]
    fn what_a_merge_leaves_is_freed_after_its_commit_or_the_hold_around_it() {
        let drops = Arc::new(AtomicUsize::new(0));
        after_commit(Counted(drops.clone()));
        after_commit(Counted(drops.clone()));
        assert_eq!(drops.load(Ordering::SeqCst), 0, "kept until the commit");
        committed();
        assert_eq!(until_dropped(&drops, 2), 2);

        let hold = hold();
        let inner = super::hold();
        after_commit(Counted(drops.clone()));
        committed();
        drop(inner);
        // Nothing was handed to a freeing thread: no waiting needed to see it kept.
        assert_eq!(drops.load(Ordering::SeqCst), 2, "kept while a hold lives");
        drop(hold);
        assert_eq!(until_dropped(&drops, 3), 3);
    }
}
