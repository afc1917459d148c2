//! Independent pieces of CPU-bound work shared among threads, their results kept in the order
//! of the pieces: for work whose output (a report's text, the first error named) must not
//! depend on which thread finished first.

use std::sync::atomic::{AtomicUsize, Ordering};

/// One thread a core.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// `f` of every item, in the items' order, worked out on up to `threads` threads. Each thread
/// takes the next item not yet taken, so one slow item does not leave the others idle at the
/// end. A panic in `f` is raised again here, as it would be without the threads.
pub fn map_in_order<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = threads.min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = vec![];
                    loop {
                        let at = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(at) else { break };
                        mine.push((at, f(item)));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    done.sort_unstable_by_key(|&(at, _)| at);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn results_keep_the_items_order_whichever_thread_finishes_first() {
        // The first items are the slowest, so the threads finish them last.
        let items: Vec<u64> = (0..12).collect();
        let work = |&i: &u64| {
            std::thread::sleep(Duration::from_millis(if i < 2 { 60 } else { 1 }));
            (i, std::thread::current().id())
        };
        let done = map_in_order(&items, 3, work);
        assert_eq!(
            done.iter().map(|&(i, _)| i).collect::<Vec<_>>(),
            items,
            "results out of the items' order"
        );
        let threads: std::collections::HashSet<_> = done.iter().map(|&(_, t)| t).collect();
        assert!(threads.len() > 1, "the work ran on one thread only");
    }

    #[test]
    fn fewer_items_than_threads_and_none_at_all() {
        assert_eq!(map_in_order(&[5, 6], 8, |&x| x * 2), vec![10, 12]);
        assert_eq!(map_in_order(&[] as &[u8], 4, |&x| x), Vec::<u8>::new());
        assert_eq!(map_in_order(&[1, 2, 3], 1, |&x| x + 1), vec![2, 3, 4]);
    }

    #[test]
    #[should_panic(expected = "item 3 failed")]
    fn a_panic_in_the_work_is_raised_again() {
        map_in_order(&[1, 2, 3, 4], 2, |&x| {
            assert!(x != 3, "item {x} failed");
            x
        });
    }
}
