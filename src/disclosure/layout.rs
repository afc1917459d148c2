//! What a publication prints, said as tables of a cube's margins ("training by organisation",
//! "by organisation and level", one provider's rows), and what follows from it: the printed
//! cells (a cell printed by several tables, like the footprint total, is one cell), the additive
//! relations between them (a printed total is the sum of its printed parts), and the margins
//! the exact audit takes as its unknowns.
//!
//! The caller only says which margins are printed; every relation is derived here, so tables
//! that share a margin (supervision by organisation and by group share the total) are linked
//! without anyone listing the link.

use std::collections::HashMap;

use super::Error;
use super::cube::{ALL, Coords, Counts, Cube, cells_within, contains, mask_of};
use super::model::Shown;

/// The tables of one publication, or of every publication of a period together (the annual
/// report and each provider pack): a plan made for the union protects each of them, and any
/// two of them read side by side.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    tables: Vec<TableSpec>,
}

#[derive(Debug, Clone)]
struct TableSpec {
    name: String,
    by: Vec<String>,
    only: Vec<(String, String)>,
}

impl Layout {
    pub fn new() -> Layout {
        Layout::default()
    }

    /// A table with a row for every combination of labels of the dimensions `by` (none: the
    /// footprint's total), each row printing compliant, in post and their percentage.
    pub fn table(self, name: &str, by: &[&str]) -> Layout {
        self.table_where(name, by, &[])
    }

    /// A table restricted to some labels: `only` fixes a dimension to one label, so a provider
    /// pack's "by professional group" table is `by = ["professional_group"]`,
    /// `only = [("organisation", code)]`.
    pub fn table_where(mut self, name: &str, by: &[&str], only: &[(&str, &str)]) -> Layout {
        self.tables.push(TableSpec {
            name: name.to_owned(),
            by: by.iter().map(|s| (*s).to_owned()).collect(),
            only: only
                .iter()
                .map(|(d, l)| ((*d).to_owned(), (*l).to_owned()))
                .collect(),
        });
        self
    }

    /// The union of two layouts (two publications of the same period).
    pub fn and(mut self, other: &Layout) -> Layout {
        self.tables.extend(other.tables.iter().cloned());
        self
    }

    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }
}

/// A printed cell: its coordinates, its true counts and the tables that print it.
#[derive(Debug, Clone)]
pub(crate) struct Printed {
    pub coords: Coords,
    pub mask: u32,
    pub counts: Counts,
    pub tables: Vec<usize>,
    /// How much a reader loses when the cell is hidden, per person counted: 1 for a cell of
    /// the full cube, doubling with each dimension added up, so totals are hidden last.
    pub weight: f64,
}

/// A printed total and the printed cells that add up to it (each in the next finer printed
/// margin that breaks the total down completely).
#[derive(Debug, Clone)]
pub(crate) struct Relation {
    pub total: usize,
    pub parts: Vec<usize>,
}

/// A junction-tree edge: two generators and the margin they share.
pub(crate) type Separator = (usize, usize, u32);

/// A layout applied to a cube: everything the plan and the audit need about what is printed.
#[derive(Debug, Clone)]
pub(crate) struct Published {
    pub cube: Cube,
    pub tables: Vec<String>,
    pub cells: Vec<Printed>,
    pub index: HashMap<Coords, usize>,
    pub relations: Vec<Relation>,
    /// For each cell, the relations it is the total or a part of.
    pub relations_of: Vec<Vec<usize>>,
    /// The margins whose cells are the audit's unknowns: the largest printed margins, or the
    /// whole cube when they do not form a junction tree.
    pub generators: Vec<u32>,
    /// Junction-tree edges between generators and the margin they share.
    pub separators: Vec<Separator>,
    /// The distinct printed margins.
    pub masks: Vec<u32>,
}

impl Published {
    pub fn new(cube: &Cube, layout: &Layout) -> Result<Published, Error> {
        let sizes = cube.sizes();
        let mut margins = HashMap::new();
        let mut cells: Vec<Printed> = vec![];
        let mut index: HashMap<Coords, usize> = HashMap::new();
        let full = (1u32 << sizes.len()) - 1;
        for (t, spec) in layout.tables.iter().enumerate() {
            let mut fixed = vec![ALL; sizes.len()];
            let mut mask = 0;
            for name in &spec.by {
                mask |= 1 << cube.dimension(name)?;
            }
            for (name, label) in &spec.only {
                let d = cube.dimension(name)?;
                fixed[d] = cube.label(d, label)?;
                mask |= 1 << d;
            }
            let margin = margins.entry(mask).or_insert_with(|| cube.margin(mask));
            for coords in cells_within(&sizes, mask, &fixed) {
                if let Some(&i) = index.get(&coords) {
                    if !cells[i].tables.contains(&t) {
                        cells[i].tables.push(t);
                    }
                    continue;
                }
                index.insert(coords.clone(), cells.len());
                cells.push(Printed {
                    counts: margin.values[margin.index(&coords)],
                    mask,
                    weight: f64::from(1u32 << (full & !mask).count_ones()),
                    coords,
                    tables: vec![t],
                });
            }
        }
        let relations = relations(&sizes, &cells, &index);
        let mut relations_of = vec![vec![]; cells.len()];
        for (r, rel) in relations.iter().enumerate() {
            for &c in rel.parts.iter().chain([&rel.total]) {
                relations_of[c].push(r);
            }
        }
        let masks = distinct_masks(&cells);
        let (generators, separators) = junction_tree(&masks).unwrap_or((vec![full], vec![]));
        let masks = masks.clone();
        Ok(Published {
            cube: cube.clone(),
            tables: layout.tables.iter().map(|t| t.name.clone()).collect(),
            cells,
            index,
            relations,
            relations_of,
            generators,
            separators,
            masks,
        })
    }

    /// Whether what is printed already says `holds` (everyone compliant, or nobody) of cell
    /// `c`, so that a reader working it out learns nothing new: a printed total containing it
    /// says so, or every part of it with anyone in (in a finer printed margin breaking it down
    /// completely) is printed saying so or lies in a printed total saying so. Level 5 being
    /// one organisation's three staff, and that organisation printed at 100%, says level 5 is.
    pub fn said(&self, c: usize, shown: &[Shown], holds: impl Fn(Counts) -> bool) -> bool {
        let cell = &self.cells[c];
        if !holds(cell.counts) {
            return false;
        }
        let printed_holds = |d: usize| shown[d].all() && holds(self.cells[d].counts);
        if self.ancestors(c).into_iter().any(printed_holds) {
            return true;
        }
        let sizes = self.cube.sizes();
        self.masks
            .iter()
            .filter(|&&m| m & cell.mask == cell.mask && m != cell.mask)
            .any(|&m| {
                let parts: Option<Vec<usize>> = cells_within(&sizes, m, &cell.coords)
                    .iter()
                    .map(|x| self.index.get(x).copied())
                    .collect();
                parts.is_some_and(|parts| {
                    parts.into_iter().all(|d| {
                        self.cells[d].counts.denominator == 0
                            || printed_holds(d)
                            || self.ancestors(d).into_iter().any(printed_holds)
                    })
                })
            })
    }

    /// The printed cell named by `(dimension, label)` pairs, if the layout prints it.
    pub fn find(&self, at: &[(&str, &str)]) -> Result<Option<usize>, Error> {
        let coords = self.cube.coords(at)?;
        Ok(self.index.get(&coords).copied())
    }

    /// The printed cells that contain cell `c` (its totals, at every level), `c` excluded.
    pub fn ancestors(&self, c: usize) -> Vec<usize> {
        let coords = &self.cells[c].coords;
        let mask = self.cells[c].mask;
        if mask == 0 {
            return vec![];
        }
        // Every proper subset of the cell's kept dimensions names one containing cell.
        let mut out = vec![];
        let mut sub = mask;
        loop {
            sub = (sub.wrapping_sub(1)) & mask;
            let outer: Coords = coords
                .iter()
                .enumerate()
                .map(|(d, &x)| if sub & (1 << d) != 0 { x } else { ALL })
                .collect();
            if let Some(&i) = self.index.get(&outer) {
                out.push(i);
            }
            if sub == 0 {
                break;
            }
        }
        debug_assert!(out.iter().all(|&i| contains(&self.cells[i].coords, coords)));
        out
    }
}

fn distinct_masks(cells: &[Printed]) -> Vec<u32> {
    let mut masks: Vec<u32> = cells.iter().map(|c| c.mask).collect();
    masks.sort_unstable();
    masks.dedup();
    masks
}

/// For each printed cell, a relation with each finer printed margin that breaks it down
/// completely, keeping only the nearest (a breakdown two margins down is the sum of the nearer
/// one's relations).
fn relations(sizes: &[u32], cells: &[Printed], index: &HashMap<Coords, usize>) -> Vec<Relation> {
    let masks = distinct_masks(cells);
    let mut out = vec![];
    for (c, cell) in cells.iter().enumerate() {
        let mut found: Vec<(u32, Vec<usize>)> = vec![];
        for &m in &masks {
            if m & cell.mask != cell.mask || m == cell.mask {
                continue;
            }
            let parts: Option<Vec<usize>> = cells_within(sizes, m, &cell.coords)
                .iter()
                .map(|x| index.get(x).copied())
                .collect();
            if let Some(parts) = parts {
                found.push((m, parts));
            }
        }
        let nearest: Vec<&(u32, Vec<usize>)> = found
            .iter()
            .filter(|(m, _)| {
                !found
                    .iter()
                    .any(|(n, _)| n != m && n & m == *n && n & cell.mask == cell.mask)
            })
            .collect();
        for (_, parts) in nearest {
            out.push(Relation {
                total: c,
                parts: parts.clone(),
            });
        }
    }
    debug_assert!(out.iter().all(|r| r.parts.iter().all(|&p| {
        mask_of(&cells[p].coords) != cells[r.total].mask
            && contains(&cells[r.total].coords, &cells[p].coords)
    })));
    out
}

/// The largest printed margins and a junction tree joining them, if they have one (each shares
/// with the others only what it shares with its neighbour). Then any counts of those margins
/// that agree on the shared margins come from some cube of non-negative integers, so the audit
/// may take their cells as its unknowns instead of the whole cube's.
fn junction_tree(masks: &[u32]) -> Option<(Vec<u32>, Vec<Separator>)> {
    let generators: Vec<u32> = masks
        .iter()
        .copied()
        .filter(|&m| !masks.iter().any(|&n| n != m && n & m == m))
        .collect();
    let mut left: Vec<usize> = (0..generators.len()).collect();
    let mut edges = vec![];
    while left.len() > 1 {
        let leaf = left.iter().enumerate().find_map(|(k, &i)| {
            let others = left
                .iter()
                .filter(|&&j| j != i)
                .fold(0, |m, &j| m | generators[j]);
            let shared = generators[i] & others;
            left.iter()
                .find(|&&j| j != i && generators[j] & shared == shared)
                .map(|&j| (k, i, j, shared))
        });
        let (k, i, j, shared) = leaf?;
        edges.push((i, j, shared));
        left.remove(k);
    }
    Some((generators, edges))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disclosure::cube::Dimension;

    fn training() -> Cube {
        let mut c = Cube::new(vec![
            Dimension::new("organisation", ["A", "B"]),
            Dimension::new("level", ["1", "2"]),
            Dimension::new("group", ["n", "m"]),
        ])
        .expect("cube");
        c.add(&["A", "1", "n"], 5, 6).expect("add");
        c.add(&["B", "2", "m"], 2, 3).expect("add");
        c
    }

    #[test]
    fn shared_cells_are_one_cell_and_relations_are_derived() {
        let layout = Layout::new()
            .table("by organisation", &["organisation"])
            .table("by level", &["level"])
            .table("by organisation and level", &["organisation", "level"])
            .table("footprint", &[]);
        let p = Published::new(&training(), &layout).expect("published");
        // 2 organisations + 2 levels + 4 inner + 1 total.
        assert_eq!(p.cells.len(), 9);
        let total = p.find(&[]).expect("find").expect("printed");
        assert_eq!(
            p.cells[total].counts,
            Counts {
                numerator: 7,
                denominator: 9
            }
        );
        assert_eq!(p.cells[total].tables.len(), 1);
        // Total = orgs, total = levels, each org = its levels, each level = its orgs.
        assert_eq!(p.relations.len(), 2 + 2 + 2);
        assert_eq!(p.generators, vec![0b011]);
        let a1 = p
            .find(&[("organisation", "A"), ("level", "1")])
            .expect("find")
            .expect("printed");
        assert_eq!(p.ancestors(a1).len(), 3);
    }

    #[test]
    fn provider_pack_margins_form_a_junction_tree() {
        let layout = Layout::new()
            .table("by organisation and level", &["organisation", "level"])
            .table_where("pack A by group", &["group"], &[("organisation", "A")])
            .table("footprint", &[]);
        let p = Published::new(&training(), &layout).expect("published");
        assert_eq!(p.generators, vec![0b011, 0b101]);
        assert_eq!(p.separators.len(), 1);
        assert_eq!(p.separators[0].2, 0b001);
        // The pack's group rows add up to A, but A's total is not printed: no relation.
        assert!(p.relations.iter().all(|r| p.cells[r.total].mask == 0));
    }

    #[test]
    fn a_cycle_of_margins_falls_back_to_the_whole_cube() {
        let layout = Layout::new()
            .table("ol", &["organisation", "level"])
            .table("og", &["organisation", "group"])
            .table("lg", &["level", "group"]);
        let p = Published::new(&training(), &layout).expect("published");
        assert_eq!(p.generators, vec![0b111]);
    }
}
