//! The process's memory allocator settings: the one place the workspace allows `unsafe`.

/// Allocations of this size or more are mapped on their own, and so go back to the system the
/// moment they are freed: glibc's own starting value, held there.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MAPPED_FROM: libc::c_int = 128 * 1024;

/// Keeps large buffers (a page of the activity log's answer, the rows of a window) from
/// lingering in the process once freed. Called first thing by the app, `wdconnect` and the
/// benchmark's sync.
///
/// Left alone, glibc raises its threshold for mapping an allocation on its own to the size of
/// the largest such block freed so far (up to 32 MiB); every buffer under it then comes from the
/// heap of the thread that allocated it, and a sync allocates on many threads: the freed
/// space stays in a dozen heaps. A million-event backfill at full speed peaked at 155 MB that way
/// and at 111-132 MB with the threshold held, at the same speed (README, Benchmarks). Setting
/// it also stops glibc from moving it. Elsewhere (macOS, Windows, musl) the system's allocator
/// does not work this way, and nothing is done.
pub fn keep_large_buffers_mapped() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: `mallopt` only sets a tunable of the allocator; glibc allows it at any time,
        // from any thread. A refusal (0) leaves glibc's default behaviour, which is safe too.
        #[allow(unsafe_code)]
        let accepted = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, MAPPED_FROM) };
        if accepted != 1 {
            tracing::debug!("glibc kept its own mmap threshold");
        }
    }
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;

    /// The mapping in `/proc/self/maps` that holds `addr`: its start and end.
    fn mapping_of(addr: usize) -> (usize, usize) {
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        for line in maps.lines() {
            let range = line.split_whitespace().next().unwrap();
            let (from, to) = range.split_once('-').unwrap();
            let (from, to) = (
                usize::from_str_radix(from, 16).unwrap(),
                usize::from_str_radix(to, 16).unwrap(),
            );
            if (from..to).contains(&addr) {
                return (from, to);
            }
        }
        panic!("{addr:#x} is in no mapping");
    }

    #[test]
    fn a_buffer_allocated_after_a_larger_one_was_freed_is_still_mapped_on_its_own() {
        keep_large_buffers_mapped();
        // Without the setting, freeing this raises glibc's threshold to 8 MiB.
        let big = vec![1u8; 8 << 20];
        drop(std::hint::black_box(big));
        let buffer = std::hint::black_box(vec![1u8; 1 << 20]);
        let at = buffer.as_ptr() as usize;
        let (from, to) = mapping_of(at);
        // A mapping of its own starts with glibc's two-word header and holds nothing else; a
        // heap (the main one, or a thread's) starts with the allocator's own records.
        assert_eq!(
            (at - from, (to - from) < (1 << 20) + 8192),
            (16, true),
            "the buffer at {at:#x} is not mapped on its own ({from:#x}-{to:#x})"
        );
    }
}
