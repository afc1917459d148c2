//! Readings derived from a series follow its points. A mean, process limits, special-cause
//! marks, a variation or assurance reading are functions of every point: with one point hidden
//! they narrow it down (a 100% month can never be a concern, so "Concern" says the hidden month
//! was not 100%), so none of them is printed. A hidden latest point hides the latest reading.

/// What of an SPC chart or reading row may be printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpcShown {
    /// Each point, in order: printed or not.
    pub points: Vec<bool>,
    /// The mean, limits, special-cause marks, variation and assurance: only when every point
    /// is printed.
    pub summary: bool,
    /// The latest value.
    pub latest: bool,
}

/// What of a series may be printed, given which of its points its periods' plans print.
pub fn spc(points: &[bool]) -> SpcShown {
    SpcShown {
        points: points.to_vec(),
        summary: !points.is_empty() && points.iter().all(|&p| p),
        latest: points.last().copied().unwrap_or(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hidden_point_withholds_the_summary_and_a_hidden_latest_the_reading() {
        let all = spc(&[true, true, true]);
        assert!(all.summary && all.latest);
        let middle = spc(&[true, false, true]);
        assert!(!middle.summary && middle.latest);
        let last = spc(&[true, true, false]);
        assert!(!last.summary && !last.latest);
        let none = spc(&[]);
        assert!(!none.summary && !none.latest);
    }
}
