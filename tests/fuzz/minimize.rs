//! Shrinks a failing input: deletes chunks of lines, then of characters, as long as it fails the
//! same way.

use std::time::Instant;

/// Deletes chunks of `units` (halving their size down to one) while `fails` holds.
fn shrink<T: Clone>(
    mut units: Vec<T>,
    join: &dyn Fn(&[T]) -> Vec<u8>,
    fails: &mut dyn FnMut(&[u8]) -> bool,
    deadline: Instant,
) -> Vec<T> {
    let mut chunk = units.len().div_ceil(2).max(1);
    loop {
        let mut i = 0;
        while i < units.len() {
            if Instant::now() > deadline {
                return units;
            }
            let end = (i + chunk).min(units.len());
            let mut candidate = units[..i].to_vec();
            candidate.extend_from_slice(&units[end..]);
            if fails(&join(&candidate)) {
                units = candidate;
            } else {
                i += chunk;
            }
        }
        if chunk == 1 {
            return units;
        }
        chunk = chunk.div_ceil(2);
    }
}

/// The smallest input found before `deadline` that still `fails`.
pub fn minimize(input: &[u8], fails: &mut dyn FnMut(&[u8]) -> bool, deadline: Instant) -> Vec<u8> {
    let mut best = input.to_vec();
    loop {
        let before = best.len();
        // Lines first: cheap and big steps.
        let lines: Vec<Vec<u8>> = best
            .split_inclusive(|&b| b == b'\n')
            .map(<[u8]>::to_vec)
            .collect();
        let lines = shrink(lines, &|ls: &[Vec<u8>]| ls.concat(), fails, deadline);
        best = lines.concat();
        // Then characters (bytes when the input is not UTF-8).
        best = match String::from_utf8(best.clone()) {
            Ok(text) => {
                let chars: Vec<char> = text.chars().collect();
                let chars = shrink(
                    chars,
                    &|cs: &[char]| cs.iter().collect::<String>().into_bytes(),
                    fails,
                    deadline,
                );
                chars.iter().collect::<String>().into_bytes()
            }
            Err(_) => shrink(best, &|bs: &[u8]| bs.to_vec(), fails, deadline),
        };
        if best.len() == before || Instant::now() > deadline {
            return best;
        }
    }
}
