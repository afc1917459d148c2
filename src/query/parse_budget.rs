//! A budget on the work the SQL parser may do over one text.
//!
//! sqlparser 0.62, the version DataFusion 55 pins, backtracks exponentially over some malformed
//! statements: a dotted name before an unclosed `[` (`SELECT a.a.a…a[`), chains such as
//! `x-not-b-not-b…`, `case -case -…` or `if(current_time(if(current_time(…`. Sixty bytes can
//! keep a core busy for hours, and `serve` parses what any login sends before its
//! `statement_timeout` starts. Upstream fixed these one shape at a time after 0.62
//! (apache/datafusion-sqlparser-rs#2344, #2350, #2352, #2372); until DataFusion moves on, the
//! bound here holds for every shape at once.
//!
//! The parser calls back into its dialect at every expression, operator and statement, so
//! [`Budgeted`] wraps a dialect, counts those calls and, once the budget is spent, answers each
//! one with `RecursionLimitExceeded`, the one error speculative parsing (`maybe_parse`) passes
//! on rather than swallows. The budget grows with the statement's tokens and is far above what
//! any well-formed statement needs (the views of `queries/` take under one call a token),
//! so only the runaway cases reach it.

use std::any::TypeId;
use std::cell::Cell;
use std::iter::Peekable;
use std::str::Chars;

use datafusion::sql::sqlparser::ast::{
    ColumnOption, Expr, GranteesType, Ident, ObjectNamePart, Statement,
};
use datafusion::sql::sqlparser::dialect::{Dialect, Precedence};
use datafusion::sql::sqlparser::keywords::Keyword;
use datafusion::sql::sqlparser::parser::{Parser, ParserError};
use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};

/// Calls into the dialect allowed for every token of the statement, and for any statement.
const PER_TOKEN: u64 = 16;
const FLOOR: u64 = 10_000;

/// What a user reads when the budget runs out.
pub const TOO_COMPLEX: &str = "the statement is too complex to parse: the SQL parser gave up \
     before finding its end (look for an unclosed bracket or parenthesis, or a long chain of \
     dotted names or operators)";

/// A dialect that behaves exactly as `D` but refuses to let one parse run away.
#[derive(Debug)]
pub struct Budgeted<D> {
    inner: D,
    left: Cell<u64>,
}

impl<D: Dialect> Budgeted<D> {
    /// `inner` with the budget for parsing `sql`.
    pub fn new(inner: D, sql: &str) -> Self {
        let tokens = Tokenizer::new(&inner, sql).tokenize().map_or(0, |tokens| {
            tokens
                .iter()
                .filter(|t| !matches!(t, Token::Whitespace(_)))
                .count()
        });
        let left = Cell::new(FLOOR.saturating_add(PER_TOKEN.saturating_mul(tokens as u64)));
        Budgeted { inner, left }
    }

    /// Whether the parse ran out of budget: if so its error, whatever it says, means
    /// [`TOO_COMPLEX`].
    pub fn spent(&self) -> bool {
        self.left.get() == 0
    }

    /// Takes one step from the budget; an error once there is none left.
    fn step(&self) -> Result<(), ParserError> {
        match self.left.get() {
            0 => Err(ParserError::RecursionLimitExceeded),
            n => {
                self.left.set(n - 1);
                Ok(())
            }
        }
    }

    /// Runs a hook of the inner dialect if the budget allows.
    fn hook<T>(
        &self,
        f: impl FnOnce() -> Option<Result<T, ParserError>>,
    ) -> Option<Result<T, ParserError>> {
        match self.step() {
            Ok(()) => f(),
            Err(e) => Some(Err(e)),
        }
    }
}

/// Whether parsing `sql` as `dialect` would run out of budget. For a parser that cannot be
/// handed a dialect (`serve`'s, from datafusion-pg-catalog): a first parse here refuses what
/// would run away there, at the cost of parsing every statement twice (microseconds).
pub fn runs_away<D: Dialect>(dialect: D, sql: &str) -> bool {
    let budgeted = Budgeted::new(dialect, sql);
    let parsed = Parser::new(&budgeted)
        .try_with_sql(sql)
        .and_then(|mut parser| parser.parse_statements());
    parsed.is_err() && budgeted.spent()
}

/// Delegates `fn name(&self) -> bool` for every name given.
macro_rules! flags {
    ($($name:ident)*) => {
        $(fn $name(&self) -> bool {
            self.inner.$name()
        })*
    };
}

impl<D: Dialect> Dialect for Budgeted<D> {
    // The parser asks `dialect_of!(self is GenericDialect)` and the like: answer as `D`.
    fn dialect(&self) -> TypeId {
        self.inner.dialect()
    }

    // The four hooks the parser calls per expression, operator and statement.
    fn parse_prefix(&self, parser: &mut Parser) -> Option<Result<Expr, ParserError>> {
        self.hook(|| self.inner.parse_prefix(parser))
    }

    fn parse_infix(
        &self,
        parser: &mut Parser,
        expr: &Expr,
        precedence: u8,
    ) -> Option<Result<Expr, ParserError>> {
        self.hook(|| self.inner.parse_infix(parser, expr, precedence))
    }

    fn get_next_precedence(&self, parser: &Parser) -> Option<Result<u8, ParserError>> {
        self.hook(|| self.inner.get_next_precedence(parser))
    }

    fn parse_statement(&self, parser: &mut Parser) -> Option<Result<Statement, ParserError>> {
        self.hook(|| self.inner.parse_statement(parser))
    }

    // Everything else is `D`'s answer, unchanged. This list is every method of sqlparser
    // 0.62's `Dialect`; a method left out would silently take the trait's default instead
    // of `D`'s, which the AST comparison in the tests is there to catch on an upgrade.
    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        self.inner.is_delimited_identifier_start(ch)
    }

    fn is_nested_delimited_identifier_start(&self, ch: char) -> bool {
        self.inner.is_nested_delimited_identifier_start(ch)
    }

    fn peek_nested_delimited_identifier_quotes(
        &self,
        chars: Peekable<Chars<'_>>,
    ) -> Option<(char, Option<char>)> {
        self.inner.peek_nested_delimited_identifier_quotes(chars)
    }

    fn identifier_quote_style(&self, identifier: &str) -> Option<char> {
        self.inner.identifier_quote_style(identifier)
    }

    fn is_identifier_start(&self, ch: char) -> bool {
        self.inner.is_identifier_start(ch)
    }

    fn is_identifier_part(&self, ch: char) -> bool {
        self.inner.is_identifier_part(ch)
    }

    fn is_custom_operator_part(&self, ch: char) -> bool {
        self.inner.is_custom_operator_part(ch)
    }

    fn get_next_precedence_default(&self, parser: &Parser) -> Result<u8, ParserError> {
        self.inner.get_next_precedence_default(parser)
    }

    fn parse_column_option(
        &self,
        parser: &mut Parser,
    ) -> Result<Option<Result<Option<ColumnOption>, ParserError>>, ParserError> {
        self.inner.parse_column_option(parser)
    }

    fn prec_value(&self, prec: Precedence) -> u8 {
        self.inner.prec_value(prec)
    }

    fn prec_unknown(&self) -> u8 {
        self.inner.prec_unknown()
    }

    fn is_reserved_for_identifier(&self, kw: Keyword) -> bool {
        self.inner.is_reserved_for_identifier(kw)
    }

    fn get_reserved_keywords_for_select_item_operator(&self) -> &[Keyword] {
        self.inner.get_reserved_keywords_for_select_item_operator()
    }

    fn get_reserved_grantees_types(&self) -> &[GranteesType] {
        self.inner.get_reserved_grantees_types()
    }

    fn is_column_alias(&self, kw: &Keyword, parser: &mut Parser) -> bool {
        self.inner.is_column_alias(kw, parser)
    }

    fn is_select_item_alias(&self, explicit: bool, kw: &Keyword, parser: &mut Parser) -> bool {
        self.inner.is_select_item_alias(explicit, kw, parser)
    }

    fn is_table_factor(&self, kw: &Keyword, parser: &mut Parser) -> bool {
        self.inner.is_table_factor(kw, parser)
    }

    fn is_table_alias(&self, kw: &Keyword, parser: &mut Parser) -> bool {
        self.inner.is_table_alias(kw, parser)
    }

    fn is_table_factor_alias(&self, explicit: bool, kw: &Keyword, parser: &mut Parser) -> bool {
        self.inner.is_table_factor_alias(explicit, kw, parser)
    }

    fn is_identifier_generating_function_name(
        &self,
        ident: &Ident,
        name_parts: &[ObjectNamePart],
    ) -> bool {
        self.inner
            .is_identifier_generating_function_name(ident, name_parts)
    }

    flags! {
        supports_string_literal_backslash_escape ignores_wildcard_escapes
        supports_unicode_string_literal supports_filter_during_aggregation
        supports_window_clause_named_window_reference supports_within_after_array_aggregation
        supports_partition_by_after_order_by supports_array_join_syntax supports_group_by_expr
        supports_group_by_with_modifier supports_left_associative_joins_without_parens
        supports_outer_join_operator supports_cross_join_constraint supports_connect_by
        supports_execute_immediate supports_match_recognize supports_in_empty_list
        supports_start_transaction_modifier supports_end_transaction_modifier
        supports_named_fn_args_with_eq_operator supports_named_fn_args_with_colon_operator
        supports_named_fn_args_with_assignment_operator supports_named_fn_args_with_rarrow_operator
        supports_named_fn_args_with_expr_name supports_numeric_prefix
        supports_numeric_literal_underscores supports_window_function_null_treatment_arg
        supports_dictionary_syntax support_map_literal_syntax supports_lambda_functions
        supports_parenthesized_set_variables supports_comma_separated_set_assignments
        supports_update_order_by supports_select_wildcard_except convert_type_before_value
        supports_triple_quoted_string supports_trailing_commas supports_limit_comma
        supports_string_literal_concatenation supports_string_literal_concatenation_with_newline
        supports_projection_trailing_commas supports_from_trailing_commas
        supports_column_definition_trailing_commas supports_object_name_double_dot_notation
        supports_struct_literal supports_empty_projections supports_select_expr_star
        supports_from_first_select supports_from_first_insert supports_pipe_operator
        supports_user_host_grantee supports_match_against supports_select_wildcard_exclude
        supports_select_exclude supports_create_table_multi_schema_info_sources
        supports_select_modifiers describe_requires_table_keyword allow_extract_custom
        allow_extract_single_quotes supports_extract_comma_syntax supports_subquery_as_function_arg
        supports_create_view_comment_syntax supports_array_typedef_without_element_type
        supports_parens_around_table_factor supports_values_as_table_factor
        supports_dollar_placeholder supports_dollar_as_money_prefix supports_create_index_with_clause
        require_interval_qualifier supports_explain_with_utility_options
        supports_asc_desc_in_column_definition supports_factorial_operator
        supports_bitwise_shift_operators supports_nested_comments supports_multiline_comment_hints
        supports_eq_alias_assignment supports_try_convert supports_bang_not_operator
        supports_listen_notify supports_load_data supports_load_extension supports_top_before_distinct
        supports_boolean_literals supports_show_like_before_in supports_comment_on
        supports_create_table_select supports_partiql supports_constraint_keyword_without_name
        supports_key_column_option supports_table_sample_before_alias supports_insert_set
        supports_insert_table_function supports_insert_table_query supports_insert_format
        supports_insert_table_alias supports_set_stmt_without_operator supports_table_versioning
        supports_string_escape_constant supports_table_hints requires_single_line_comment_whitespace
        supports_array_typedef_with_brackets supports_geometric_types supports_order_by_all
        supports_set_names supports_space_separated_column_options supports_alter_column_type_using
        supports_comma_separated_drop_column_list supports_notnull_operator
        supports_data_type_signed_suffix supports_interval_options
        supports_create_table_like_parenthesized supports_semantic_view_table_factor
        supports_quote_delimited_string supports_comment_optimizer_hint
        supports_double_ampersand_operator supports_binary_kw_as_cast supports_select_wildcard_replace
        supports_select_wildcard_ilike supports_select_wildcard_rename
        supports_select_wildcard_with_alias supports_optimize_table supports_install supports_detach
        supports_prewhere supports_with_fill supports_limit_by supports_interpolate supports_settings
        supports_select_format supports_comma_separated_trim supports_cte_without_as
        supports_select_item_multi_column_alias supports_xml_expressions supports_create_table_using
        supports_long_type_as_bigint supports_map_literal_with_angle_brackets
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use datafusion::sql::sqlparser::dialect::{GenericDialect, PostgreSqlDialect};

    use super::*;

    /// Statements that lean on what the two dialects decide: casts, placeholders, escape and
    /// dollar strings, nested comments, arrays and subscripts, named arguments, `FILTER`,
    /// intervals, the statements clients send (`SET`, `SHOW`, transactions), and errors.
    const CORPUS: &[&str] = &[
        "SELECT a::int, CAST(b AS TEXT), $1, E'x\\ny', $$dollar$$ FROM t WHERE c ILIKE 'x%'",
        "SELECT /* outer /* nested */ still */ 1 -- tail\n, 2",
        "SELECT ARRAY[1, 2][1], a.b.c, t.col[2], s.t.c.d[1].e FROM s.t",
        "SELECT count(*) FILTER (WHERE x > 1), sum(y) OVER (PARTITION BY z ORDER BY w) FROM t",
        "SELECT INTERVAL '1 day', DATE '2026-03-31', x IS DISTINCT FROM y, NOT a AND b FROM t",
        "SELECT CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END, coalesce(a, b), f(x => 1) FROM t",
        "WITH r AS (SELECT 1 AS x) SELECT * FROM r JOIN (SELECT 2) AS s ON true LIMIT 1 OFFSET 2",
        "SELECT a FROM t WHERE a IN (1, 2, 3) AND b BETWEEN 1 AND 2 AND c LIKE 'x' ESCAPE '!'",
        "SET search_path TO public; SHOW TIME ZONE; BEGIN; COMMIT; ROLLBACK",
        "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n \
         ON n.oid = c.relnamespace WHERE c.relkind = ANY (ARRAY['r', 'v']) ORDER BY 1, 2",
        "EXPLAIN SELECT 1; DESCRIBE t; SHOW TABLES",
        "SELECT 1 +",
        "SELECT a.b.c[1",
        "SELECT ((((1))))",
    ];

    /// The wrapper changes nothing a statement parses to, nor the error it fails with: the
    /// guard against a `Dialect` method missing from the delegation.
    #[test]
    fn parses_exactly_as_the_dialect_it_wraps() {
        let views = crate::query::VIEWS.iter().map(|v| v.sql);
        for sql in CORPUS.iter().copied().chain(views) {
            for (plain, budgeted) in [
                (
                    Parser::parse_sql(&GenericDialect {}, sql),
                    Parser::parse_sql(&Budgeted::new(GenericDialect {}, sql), sql),
                ),
                (
                    Parser::parse_sql(&PostgreSqlDialect {}, sql),
                    Parser::parse_sql(&Budgeted::new(PostgreSqlDialect {}, sql), sql),
                ),
            ] {
                assert_eq!(format!("{plain:?}"), format!("{budgeted:?}"), "{sql}");
            }
        }
    }

    /// The views, under one call a token, use a small part of their budget.
    #[test]
    fn ordinary_statements_stay_far_inside_the_budget() {
        for view in crate::query::VIEWS {
            let dialect = Budgeted::new(GenericDialect {}, view.sql);
            let budget = dialect.left.get();
            Parser::parse_sql(&dialect, view.sql).expect("a view parses");
            let used = budget - dialect.left.get();
            assert!(
                used * 8 < budget - FLOOR,
                "{}: {used} of {budget}",
                view.name
            );
        }
    }

    /// Shapes on which sqlparser 0.62 doubles its work for every few bytes; without the budget
    /// each of these runs for minutes to hours.
    fn runaways() -> Vec<String> {
        vec![
            format!("SELECT {}[", ["a"; 40].join(".")),
            format!("SELECT {}", "a.b.c.d.e.f.g.h[".repeat(4)),
            format!("SELECT x{}.", "-not-b".repeat(40)),
            format!("SELECT {}", "case\t-".repeat(40)),
            format!("SELECT {}x", "if(current_time(".repeat(40)),
        ]
    }

    /// Each runaway is refused by the budget in both dialects. The watchdog turns a broken
    /// budget into a failure instead of a test that never ends; the bound is hours away from
    /// the milliseconds each takes.
    #[test]
    fn runaway_statements_are_refused() {
        let (done, finished) = mpsc::channel();
        std::thread::spawn(move || {
            for sql in runaways() {
                assert!(runs_away(GenericDialect {}, &sql), "{sql}");
                assert!(runs_away(PostgreSqlDialect {}, &sql), "{sql}");
            }
            done.send(()).unwrap();
        });
        finished
            .recv_timeout(Duration::from_secs(120))
            .expect("every runaway statement refused within two minutes");
    }
}
