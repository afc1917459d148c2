//! The true counts a publication is made from: a cube of (compliant, in post) pairs over a few
//! dimensions (organisation, required level, professional group), and the cells of its margins.
//!
//! A cell of a margin is named by one coordinate per dimension, [`ALL`] where the margin adds
//! that dimension up: `(R1A, ALL, ALL)` is an organisation's total, `(ALL, ALL, ALL)` the
//! footprint's.

use std::collections::HashMap;

use super::Error;

/// The coordinate of a dimension that a margin adds up.
pub(crate) const ALL: u32 = u32::MAX;

/// A cell of the cube or of one of its margins: one coordinate per dimension.
pub(crate) type Coords = Box<[u32]>;

/// The most dimensions a cube may have (margins are bit sets of dimensions).
const MAX_DIMS: usize = 16;

/// The counts of one group of people: how many meet the standard (compliant, supervised) of how
/// many it applies to (in post, requiring supervision).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub numerator: i64,
    pub denominator: i64,
}

impl Counts {
    /// Those the standard applies to who do not meet it (in post minus compliant).
    pub fn shortfall(self) -> i64 {
        self.denominator - self.numerator
    }

    fn add(&mut self, other: Counts) {
        self.numerator += other.numerator;
        self.denominator += other.denominator;
    }
}

/// A dimension of a cube and its labels, in the order tables list them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dimension {
    pub name: String,
    pub labels: Vec<String>,
}

impl Dimension {
    pub fn new(name: &str, labels: impl IntoIterator<Item = impl Into<String>>) -> Dimension {
        Dimension {
            name: name.to_owned(),
            labels: labels.into_iter().map(Into::into).collect(),
        }
    }
}

/// The true counts of one period, cell by cell, over every dimension any table of the
/// publication breaks them down by.
#[derive(Debug, Clone)]
pub struct Cube {
    dims: Vec<Dimension>,
    index: Vec<HashMap<String, u32>>,
    values: Vec<Counts>,
}

impl Cube {
    /// An empty cube (every count 0) over `dims`.
    pub fn new(dims: Vec<Dimension>) -> Result<Cube, Error> {
        if dims.len() > MAX_DIMS {
            return Err(Error::TooManyDimensions(dims.len()));
        }
        let mut index = Vec::with_capacity(dims.len());
        for d in &dims {
            let mut map = HashMap::with_capacity(d.labels.len());
            for (i, label) in d.labels.iter().enumerate() {
                if map.insert(label.clone(), i as u32).is_some() {
                    return Err(Error::DuplicateLabel {
                        dimension: d.name.clone(),
                        label: label.clone(),
                    });
                }
            }
            index.push(map);
        }
        let size = dims.iter().map(|d| d.labels.len()).product();
        Ok(Cube {
            dims,
            index,
            values: vec![Counts::default(); size],
        })
    }

    /// Adds `numerator` of `denominator` people to the cell with one label per dimension (in the
    /// cube's order). Adding twice to a cell accumulates.
    pub fn add(&mut self, labels: &[&str], numerator: i64, denominator: i64) -> Result<(), Error> {
        if labels.len() != self.dims.len() {
            return Err(Error::Arity {
                expected: self.dims.len(),
                got: labels.len(),
            });
        }
        if numerator < 0 || numerator > denominator {
            return Err(Error::Counts {
                labels: labels.join(", "),
                numerator,
                denominator,
            });
        }
        let mut at = 0;
        for (d, label) in labels.iter().enumerate() {
            at = at * self.dims[d].labels.len() + self.label(d, label)? as usize;
        }
        self.values[at].add(Counts {
            numerator,
            denominator,
        });
        Ok(())
    }

    pub fn dimensions(&self) -> &[Dimension] {
        &self.dims
    }

    /// The position of a dimension by name.
    pub(crate) fn dimension(&self, name: &str) -> Result<usize, Error> {
        self.dims
            .iter()
            .position(|d| d.name == name)
            .ok_or_else(|| Error::UnknownDimension(name.to_owned()))
    }

    /// The position of a label in dimension `d`.
    pub(crate) fn label(&self, d: usize, label: &str) -> Result<u32, Error> {
        self.index[d]
            .get(label)
            .copied()
            .ok_or_else(|| Error::UnknownLabel {
                dimension: self.dims[d].name.clone(),
                label: label.to_owned(),
            })
    }

    /// The coordinates of the cell named by `(dimension, label)` pairs, the other dimensions
    /// added up.
    pub(crate) fn coords(&self, at: &[(&str, &str)]) -> Result<Coords, Error> {
        let mut coords = vec![ALL; self.dims.len()];
        for (name, label) in at {
            let d = self.dimension(name)?;
            coords[d] = self.label(d, label)?;
        }
        Ok(coords.into())
    }

    /// The (dimension, label) pairs naming a cell, for people to read.
    pub(crate) fn labels(&self, coords: &[u32]) -> Vec<(String, String)> {
        coords
            .iter()
            .enumerate()
            .filter(|&(_, &c)| c != ALL)
            .map(|(d, &c)| {
                (
                    self.dims[d].name.clone(),
                    self.dims[d].labels[c as usize].clone(),
                )
            })
            .collect()
    }

    /// How many labels each dimension has.
    pub(crate) fn sizes(&self) -> Vec<u32> {
        self.dims.iter().map(|d| d.labels.len() as u32).collect()
    }

    /// The sums of every cell of the margin that keeps the dimensions in `mask`.
    pub(crate) fn margin(&self, mask: u32) -> Margin {
        let margin = Margin::new(&self.sizes(), mask);
        let mut values = vec![Counts::default(); margin.len];
        let sizes = self.sizes();
        let mut coords = vec![0u32; sizes.len()];
        for v in &self.values {
            values[margin.index(&coords)].add(*v);
            // The next cell in row-major order.
            for d in (0..sizes.len()).rev() {
                coords[d] += 1;
                if coords[d] < sizes[d] {
                    break;
                }
                coords[d] = 0;
            }
        }
        Margin { values, ..margin }
    }
}

/// A margin of a cube: the dimensions it keeps, how to number its cells, and their sums.
#[derive(Debug, Clone)]
pub(crate) struct Margin {
    strides: Vec<usize>,
    pub len: usize,
    pub values: Vec<Counts>,
}

impl Margin {
    /// The numbering of the cells of the margin keeping `mask` (no sums yet).
    pub fn new(sizes: &[u32], mask: u32) -> Margin {
        let mut strides = vec![0; sizes.len()];
        let mut len = 1;
        for d in (0..sizes.len()).rev() {
            if mask & (1 << d) != 0 {
                strides[d] = len;
                len *= sizes[d] as usize;
            }
        }
        Margin {
            strides,
            len,
            values: vec![],
        }
    }

    /// The number of a cell of this margin, or of the cell of this margin that contains a
    /// finer cell (coordinates of dimensions the margin adds up are ignored).
    pub fn index(&self, coords: &[u32]) -> usize {
        coords
            .iter()
            .zip(&self.strides)
            .filter(|&(_, &s)| s != 0)
            .map(|(&c, &s)| c as usize * s)
            .sum()
    }
}

/// The dimensions a cell keeps, as a bit set.
pub(crate) fn mask_of(coords: &[u32]) -> u32 {
    coords
        .iter()
        .enumerate()
        .filter(|&(_, &c)| c != ALL)
        .fold(0, |m, (d, _)| m | 1 << d)
}

/// Every cell of the margin keeping `mask` that lies within `within` (whose kept coordinates
/// are a subset of `mask`), in row-major order.
pub(crate) fn cells_within(sizes: &[u32], mask: u32, within: &[u32]) -> Vec<Coords> {
    let mut out: Vec<Vec<u32>> = vec![vec![]];
    for (d, &size) in sizes.iter().enumerate() {
        let choices: Vec<u32> = if mask & (1 << d) == 0 {
            vec![ALL]
        } else if within[d] != ALL {
            vec![within[d]]
        } else {
            (0..size).collect()
        };
        out = out
            .into_iter()
            .flat_map(|prefix| {
                choices.iter().map(move |&c| {
                    let mut p = prefix.clone();
                    p.push(c);
                    p
                })
            })
            .collect();
    }
    out.into_iter().map(Into::into).collect()
}

/// Whether cell `outer` contains cell `inner` (every coordinate `outer` keeps, `inner` has too).
pub(crate) fn contains(outer: &[u32], inner: &[u32]) -> bool {
    outer.iter().zip(inner).all(|(&o, &i)| o == ALL || o == i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cube() -> Cube {
        let mut c = Cube::new(vec![
            Dimension::new("organisation", ["A", "B"]),
            Dimension::new("level", ["1", "2", "3"]),
        ])
        .expect("cube");
        c.add(&["A", "1"], 3, 4).expect("add");
        c.add(&["A", "3"], 5, 9).expect("add");
        c.add(&["B", "2"], 7, 7).expect("add");
        c.add(&["B", "2"], 1, 2).expect("add");
        c
    }

    #[test]
    fn margins_add_up_the_dimensions_they_drop() {
        let c = cube();
        let org = c.margin(0b01);
        assert_eq!(org.len, 2);
        let a = c.coords(&[("organisation", "A")]).expect("coords");
        assert_eq!(
            org.values[org.index(&a)],
            Counts {
                numerator: 8,
                denominator: 13
            }
        );
        let level = c.margin(0b10);
        let two = c.coords(&[("level", "2")]).expect("coords");
        assert_eq!(
            level.values[level.index(&two)],
            Counts {
                numerator: 8,
                denominator: 9
            }
        );
        let total = c.margin(0);
        assert_eq!(
            total.values,
            vec![Counts {
                numerator: 16,
                denominator: 22
            }]
        );
    }

    #[test]
    fn bad_input_is_refused_with_its_names() {
        let mut c = cube();
        assert!(matches!(
            c.add(&["C", "1"], 0, 1),
            Err(Error::UnknownLabel { .. })
        ));
        assert!(matches!(
            c.add(&["A", "1"], 3, 2),
            Err(Error::Counts { .. })
        ));
        assert!(matches!(c.add(&["A"], 0, 1), Err(Error::Arity { .. })));
        assert!(Cube::new(vec![Dimension::new("x", ["a", "a"])]).is_err());
    }

    #[test]
    fn cells_within_a_cell_enumerate_the_finer_margin() {
        let c = cube();
        let a = c.coords(&[("organisation", "A")]).expect("coords");
        let cells = cells_within(&c.sizes(), 0b11, &a);
        assert_eq!(cells.len(), 3);
        assert!(cells.iter().all(|x| contains(&a, x) && mask_of(x) == 0b11));
        assert_eq!(cells_within(&c.sizes(), 0, &[ALL, ALL]).len(), 1);
    }
}
