/* Constraint expressions of sweep specs ("core.atomic_c * core.atomic_k <= 16384"): a recursive-descent
 * evaluator over numbers and strings. Names are dotted config keys or run options, resolved by the
 * caller; a string only compares (== !=) with a string. Grammar in docs/sweeps.md "Constraints". */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dla/sweep.h"

typedef struct value {
    bool is_str;
    double num;
    char str[128];
} value;

typedef struct parser {
    const char *text; /* whole expression, for messages */
    const char *p;
    dla_sweep_lookup_fn lookup;
    void *user;
    dla_error *err;
    dla_status st;
    int depth;
} parser;

enum {
    MAX_DEPTH = 64 /* nesting bound: a hostile spec cannot overflow the stack */
};

static dla_status fail(parser *ps, const char *what)
{
    if (ps->st == DLA_OK)
        ps->st = dla_error_set(ps->err, DLA_ERR_INVALID, "constraint '%s': %s at offset %d", ps->text, what,
                               (int)(ps->p - ps->text));
    return ps->st;
}

static void skip_ws(parser *ps)
{
    while (isspace((unsigned char)*ps->p))
        ps->p++;
}

static bool accept(parser *ps, const char *tok)
{
    skip_ws(ps);
    size_t n = strlen(tok);
    if (strncmp(ps->p, tok, n) != 0)
        return false;
    /* "<" must not eat the first half of "<=", "!" not of "!=" */
    if (n == 1 && (tok[0] == '<' || tok[0] == '>' || tok[0] == '!' || tok[0] == '=') && ps->p[1] == '=')
        return false;
    ps->p += n;
    return true;
}

static bool need_num(parser *ps, const value *v, const char *op)
{
    if (!v->is_str)
        return true;
    char msg[256];
    snprintf(msg, sizeof msg, "operator '%s' needs a number, got the string \"%.100s\"", op, v->str);
    fail(ps, msg);
    return false;
}

static void parse_or(parser *ps, value *out);

static void parse_primary(parser *ps, value *out)
{
    memset(out, 0, sizeof *out);
    skip_ws(ps);
    if (++ps->depth > MAX_DEPTH) {
        fail(ps, "expression nested too deeply");
        return;
    }
    const char *p = ps->p;
    if (*p == '(') {
        ps->p++;
        parse_or(ps, out);
        if (ps->st == DLA_OK && !accept(ps, ")"))
            fail(ps, "expected ')'");
    } else if (*p == '"') {
        const char *end = strchr(p + 1, '"');
        if (!end) {
            fail(ps, "unterminated string");
        } else {
            out->is_str = true;
            snprintf(out->str, sizeof out->str, "%.*s", (int)(end - p - 1), p + 1);
            ps->p = end + 1;
        }
    } else if (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))) {
        char *end = NULL;
        out->num = strtod(p, &end);
        ps->p = end;
    } else if (isalpha((unsigned char)*p) || *p == '_') {
        const char *q = p;
        while (isalnum((unsigned char)*q) || *q == '_' || *q == '.')
            q++;
        char name[128];
        if ((size_t)(q - p) >= sizeof name) {
            fail(ps, "name too long");
        } else {
            snprintf(name, sizeof name, "%.*s", (int)(q - p), p);
            const char *s = NULL;
            double d = 0;
            if (!ps->lookup(name, ps->user, &d, &s)) {
                char msg[256];
                snprintf(msg, sizeof msg, "unknown name '%s' (expected an axis, a numeric config key or a run option)",
                         name);
                fail(ps, msg);
            } else if (s) {
                out->is_str = true;
                snprintf(out->str, sizeof out->str, "%s", s);
            } else {
                out->num = d;
            }
            ps->p = q;
        }
    } else {
        fail(ps, *p ? "expected a number, a name, a string or '('" : "unexpected end of expression");
    }
    ps->depth--;
}

static void parse_unary(parser *ps, value *out)
{
    if (accept(ps, "!")) {
        parse_unary(ps, out);
        if (ps->st == DLA_OK && need_num(ps, out, "!"))
            out->num = out->num == 0;
    } else if (accept(ps, "-")) {
        parse_unary(ps, out);
        if (ps->st == DLA_OK && need_num(ps, out, "-"))
            out->num = -out->num;
    } else {
        parse_primary(ps, out);
    }
}

static void parse_mul(parser *ps, value *out)
{
    parse_unary(ps, out);
    for (;;) {
        const char *op = accept(ps, "*") ? "*" : accept(ps, "/") ? "/" : accept(ps, "%") ? "%" : NULL;
        if (!op || ps->st != DLA_OK)
            return;
        value r;
        parse_unary(ps, &r);
        if (ps->st != DLA_OK || !need_num(ps, out, op) || !need_num(ps, &r, op))
            return;
        if (op[0] != '*' && r.num == 0) {
            fail(ps, "division by zero");
            return;
        }
        out->num = op[0] == '*' ? out->num * r.num : op[0] == '/' ? out->num / r.num : fmod(out->num, r.num);
    }
}

static void parse_add(parser *ps, value *out)
{
    parse_mul(ps, out);
    for (;;) {
        const char *op = accept(ps, "+") ? "+" : accept(ps, "-") ? "-" : NULL;
        if (!op || ps->st != DLA_OK)
            return;
        value r;
        parse_mul(ps, &r);
        if (ps->st != DLA_OK || !need_num(ps, out, op) || !need_num(ps, &r, op))
            return;
        out->num = op[0] == '+' ? out->num + r.num : out->num - r.num;
    }
}

static void parse_cmp(parser *ps, value *out)
{
    static const char *const ops[] = {"<=", ">=", "==", "!=", "<", ">"};
    parse_add(ps, out);
    for (;;) {
        const char *op = NULL;
        for (size_t i = 0; i < sizeof ops / sizeof ops[0] && !op; i++)
            if (accept(ps, ops[i]))
                op = ops[i];
        if (!op || ps->st != DLA_OK)
            return;
        value r;
        parse_add(ps, &r);
        if (ps->st != DLA_OK)
            return;
        bool eq = op[0] == '=' || (op[0] == '!');
        double res;
        if (out->is_str || r.is_str) {
            if (!eq || !out->is_str || !r.is_str) {
                char msg[160];
                snprintf(msg, sizeof msg, "operator '%s' cannot compare a string with %s", op,
                         eq ? "a number" : "anything (strings only compare with == and !=)");
                fail(ps, msg);
                return;
            }
            res = (strcmp(out->str, r.str) == 0) == (op[0] == '=');
        } else {
            double a = out->num, b = r.num;
            res = op[0] == '<'   ? (op[1] ? a <= b : a < b)
                  : op[0] == '>' ? (op[1] ? a >= b : a > b)
                  : op[0] == '=' ? a == b
                                 : a != b;
        }
        memset(out, 0, sizeof *out);
        out->num = res;
    }
}

static void parse_and(parser *ps, value *out)
{
    parse_cmp(ps, out);
    while (ps->st == DLA_OK && accept(ps, "&&")) {
        value r;
        parse_cmp(ps, &r);
        if (ps->st != DLA_OK || !need_num(ps, out, "&&") || !need_num(ps, &r, "&&"))
            return;
        out->num = out->num != 0 && r.num != 0;
    }
}

static void parse_or(parser *ps, value *out)
{
    parse_and(ps, out);
    while (ps->st == DLA_OK && accept(ps, "||")) {
        value r;
        parse_and(ps, &r);
        if (ps->st != DLA_OK || !need_num(ps, out, "||") || !need_num(ps, &r, "||"))
            return;
        out->num = out->num != 0 || r.num != 0;
    }
}

dla_status dla_sweep_expr_eval(const char *expr, dla_sweep_lookup_fn lookup, void *user, double *out, dla_error *err)
{
    if (!expr || !lookup || !out)
        return dla_error_set(err, DLA_ERR_INVALID, "constraint: expression, lookup and output are required");
    parser ps = {.text = expr, .p = expr, .lookup = lookup, .user = user, .err = err, .st = DLA_OK};
    value v;
    parse_or(&ps, &v);
    if (ps.st != DLA_OK)
        return ps.st;
    skip_ws(&ps);
    if (*ps.p)
        return fail(&ps, "unexpected text after the expression");
    if (v.is_str)
        return fail(&ps, "the expression is a string, expected a condition");
    *out = v.num;
    return DLA_OK;
}
