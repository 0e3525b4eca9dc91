using Lep.Data;
using Lep.Tokenization.ChatTemplates;

namespace Lep.Tests.Tokenization.ChatTemplates;

/// <summary>One construct at a time, with the output Jinja (trim_blocks + lstrip_blocks, as HF sets it) gives.</summary>
public class JinjaFeatureTests
{
    private static string Render(string source, Dictionary<string, object?>? variables = null) =>
        ChatTemplate.Parse(source, "t").Render(variables ?? []);

    private static Dictionary<string, object?> Vars(params (string Name, object? Value)[] pairs) =>
        pairs.ToDictionary(p => p.Name, p => p.Value);

    // ---- whitespace ----

    [Theory]
    [InlineData("a  \n  {{- 'b' -}}  \n  c", "abc")]
    [InlineData("a  {{ 'b' -}}\n c", "a  bc")]
    [InlineData("a \n {%- if true %}b{% endif %}", "ab")]
    [InlineData("{% if true -%}\n\n  b  {%- endif %}|", "b|")]
    [InlineData("a\n  {# comment #}\nb", "a\nb")]
    [InlineData("a {#- comment -#} b", "ab")]
    [InlineData("a\n", "a")] // keep_trailing_newline=False drops one trailing newline
    [InlineData("a\n\n", "a\n")]
    [InlineData("a\r\nb\rc", "a\nb\nc")] // newlines are normalised
    public void WhitespaceControl(string source, string expected) => Assert.Equal(expected, Render(source));

    [Fact]
    public void TrimBlocksAndLstripBlocks()
    {
        // lstrip_blocks removes the indentation before {% %}, trim_blocks the newline after it; {{ }} is untouched.
        Assert.Equal("<ul>\n    <li>1</li>\n    <li>2</li>\n</ul>",
            Render("<ul>\n    {% for x in xs %}\n    <li>{{ x }}</li>\n    {% endfor %}\n</ul>", Vars(("xs", new[] { 1, 2 }))));
        Assert.Equal("  1\n  2\n", Render("{% for x in xs %}\n  {{ x }}\n{% endfor %}\n", Vars(("xs", new[] { 1, 2 }))));
        // Only one newline is trimmed, and text before the tag on the same line keeps its spaces.
        Assert.Equal("\nx  y", Render("{% if true %}\n\nx  {% if true %}y{% endif %}{% endif %}"));
        // At the very start of the template the indentation also counts as a line start.
        Assert.Equal("x", Render("   {% if true %}x{% endif %}"));
    }

    [Fact]
    public void PlusSignsKeepWhitespace()
    {
        Assert.Equal("  x", Render("  {%+ if true %}x{% endif %}"));
        Assert.Equal("\nx", Render("{% if true +%}\nx{% endif %}"));
    }

    [Fact]
    public void RawBlocks()
    {
        Assert.Equal("{{ x }} {% if %}", Render("{% raw %}{{ x }} {% if %}{% endraw %}"));
        Assert.Equal("a{{ y }}b", Render("a\n  {%- raw -%}  {{ y }}  {%- endraw -%}\n  b"));
    }

    // ---- literals and strings ----

    [Fact]
    public void Literals()
    {
        Assert.Equal("True False None True False None", Render("{{ true }} {{ false }} {{ none }} {{ True }} {{ False }} {{ None }}"));
        Assert.Equal("42 1.5 1000000 0.001 1e-05 2.0", Render("{{ 42 }} {{ 1.5 }} {{ 1_000_000 }} {{ 1e-3 }} {{ 0.00001 }} {{ 4 / 2 }}"));
        Assert.Equal("[1, 'a', None, [True]] {'k': 'v', 'n': 2}", Render("{{ [1, 'a', none, [true]] }} {{ {'k': 'v', \"n\": 2} }}"));
        Assert.Equal("ab", Render("{{ 'a' 'b' }}"));
        Assert.Equal("(1, 2) (1,) ()", Render("{{ (1, 2) }} {{ (1,) }} {{ () }}"));
    }

    [Fact]
    public void StringEscapes()
    {
        Assert.Equal("a\nb\tc\\d'e\"f", Render(@"{{ 'a\nb\tc\\d\'e' + ""\""f"" }}"));
        Assert.Equal("é€😀", Render(@"{{ '\xe9\u20ac\U0001F600' }}"));
        Assert.Equal(@"\q", Render(@"{{ '\q' }}"));
        Assert.Equal("{{ }} %}", Render("{{ '{{ }} %}' }}"));
        Assert.Equal("'it''s' \"q\"", Render("{{ \"'it''s'\" }} {{ '\"q\"' }}"));
        Assert.Equal("[\"it's\", 'a\\nb']", Render(@"{{ [""it's"", 'a\nb'] }}"));
    }

    // ---- access ----

    [Fact]
    public void AttributeAndSubscriptAccess()
    {
        var v = Vars(("message", new Dictionary<string, object?> { ["role"] = "user", ["content"] = "hi", ["items"] = "x" }), ("xs", new[] { 10, 20, 30 }));
        Assert.Equal("user user hi", Render("{{ message.role }} {{ message['role'] }} {{ message.get('content') }}", v));
        Assert.Equal("10 30 20 |", Render("{{ xs[0] }} {{ xs[-1] }} {{ xs.1 }} {{ xs[5] }}|", v));
        Assert.Equal("x [('role', 'user'), ('content', 'hi'), ('items', 'x')]", Render("{{ message['items'] }} {{ message.items() | list }}", v));
        Assert.Equal("dflt|", Render("{{ message.get('nope', 'dflt') }}|{{ message.nope }}", v));
    }

    [Fact]
    public void Slices()
    {
        var v = Vars(("xs", new[] { 1, 2, 3, 4, 5 }), ("s", "hello"));
        Assert.Equal("[2, 3, 4, 5] [1, 2] [5, 4, 3, 2, 1] [1, 3, 5] [4, 5] [4, 3]",
            Render("{{ xs[1:] }} {{ xs[:2] }} {{ xs[::-1] }} {{ xs[::2] }} {{ xs[-2:] }} {{ xs[3:1:-1] }}", v));
        Assert.Equal("ello olleh he []", Render("{{ s[1:] }} {{ s[::-1] }} {{ s[:-3] }} {{ xs[10:] }}", v));
    }

    // ---- operators ----

    [Fact]
    public void Arithmetic()
    {
        Assert.Equal("7 -1 12 0.75 2 1 8 -2 2", Render("{{ 3 + 4 }} {{ 3 - 4 }} {{ 3 * 4 }} {{ 3 / 4 }} {{ 7 // 3 }} {{ 7 % 3 }} {{ 2 ** 3 }} {{ -7 // 4 }} {{ -7 % 3 }}"));
        Assert.Equal("ab [1, 2, 3] abab 3.5", Render("{{ 'a' + 'b' }} {{ [1] + [2, 3] }} {{ 'ab' * 2 }} {{ 1 + 2.5 }}"));
        Assert.Equal("a1None", Render("{{ 'a' ~ 1 ~ none }}"));
        Assert.Equal("7", Render("{{ 1 + 2 * 3 }}"));
    }

    [Fact]
    public void ComparisonsAndLogic()
    {
        Assert.Equal("True True False True True", Render("{{ 1 == 1.0 }} {{ 'a' < 'b' }} {{ [1, 2] == [1, 3] }} {{ 1 < 2 < 3 }} {{ 'a' != 'b' }}"));
        Assert.Equal("True False True True", Render("{{ 'ell' in 'hello' }} {{ 3 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 3 not in [1, 2] }}"));
        Assert.Equal("b 0 True", Render("{{ 'a' and 'b' }} {{ 0 and 'b' }} {{ not none }}"));
        Assert.Equal("x fallback", Render("{{ 'x' or 'y' }} {{ '' or 'fallback' }}"));
        Assert.Equal("yes no |", Render("{{ 'yes' if 1 else 'no' }} {{ 'yes' if [] else 'no' }} {{ 'yes' if false }}|"));
        Assert.Equal("True", Render("{{ not 1 == 2 }}"));
    }

    // ---- tests ----

    [Fact]
    public void Tests()
    {
        var v = Vars(("d", new Dictionary<string, object?> { ["a"] = null }), ("s", "x"), ("n", 4));
        Assert.Equal("True False True False", Render("{{ d is defined }} {{ missing is defined }} {{ missing is undefined }} {{ d.b is defined }}", v));
        Assert.Equal("True True False", Render("{{ d.a is none }} {{ d.a is not string }} {{ missing is none }}", v));
        Assert.Equal("True True False True", Render("{{ s is string }} {{ d is mapping }} {{ s is mapping }} {{ [1] is iterable }}", v));
        Assert.Equal("True True False True", Render("{{ n is number }} {{ n is integer }} {{ n is float }} {{ n is even }}", v));
        Assert.Equal("True True True True", Render("{{ n is divisibleby 2 }} {{ n is divisibleby(4) }} {{ s is eq 'x' }} {{ false is sameas false }}", v));
        Assert.Equal("True True", Render("{{ true is boolean }} {{ s is in ['x', 'y'] }}", v));
    }

    [Fact]
    public void UndefinedBehavesLikeJinja()
    {
        Assert.Equal("[] 0 empty ok", Render("[{{ nothing }}] {{ nothing | length }} {% if not nothing %}empty{% endif %} {% for x in nothing %}no{% else %}ok{% endfor %}"));
        Assert.Equal("dflt set", Render("{{ nothing | default('dflt') }} {{ 'set' | default('dflt') }}"));
        Assert.Equal("x", Render("{{ '' | default('x', true) }}"));
    }

    // ---- statements ----

    [Fact]
    public void IfElifElse()
    {
        const string t = "{% if n == 1 %}one{% elif n == 2 %}two{% elif n == 3 %}three{% else %}many{% endif %}";
        Assert.Equal("one two three many", string.Join(" ", new[] { 1, 2, 3, 9 }.Select(n => Render(t, Vars(("n", n))))));
    }

    [Fact]
    public void LoopVariables()
    {
        var xs = Vars(("xs", new[] { "a", "b", "c" }));
        Assert.Equal("1/0/3/2/T/F;2/1/2/1/F/F;3/2/1/0/F/T;",
            Render("{% for x in xs %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/" +
                   "{{ 'T' if loop.first else 'F' }}/{{ 'T' if loop.last else 'F' }};{% endfor %}", xs));
        Assert.Equal("[a,b,c]", Render("[{% for x in xs %}{{ x }}{% if not loop.last %},{% endif %}{% endfor %}]", xs));
        Assert.Equal("3:a 3:b 3:c ", Render("{% for x in xs %}{{ loop.length }}:{{ x }} {% endfor %}", xs));
        Assert.Equal("->a a>b b>c ", Render("{% for x in xs %}{{ loop.previtem | default('-') }}>{{ x }} {% endfor %}", xs));
        Assert.Equal("b c - ", Render("{% for x in xs %}{{ loop.nextitem | default('-') }} {% endfor %}", xs));
        Assert.Equal("odd even odd ", Render("{% for x in range(3) %}{{ loop.cycle('odd', 'even') }} {% endfor %}"));
    }

    [Fact]
    public void ForElseFilterUnpackingAndLoopControls()
    {
        Assert.Equal("none", Render("{% for x in [] %}{{ x }}{% else %}none{% endfor %}"));
        Assert.Equal("a=1;b=2;", Render("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", Vars(("d", new Dictionary<string, object?> { ["a"] = 1, ["b"] = 2 }))));
        Assert.Equal("1/2:2 2/2:4 ", Render("{% for x in range(1, 6) if x is even %}{{ loop.index }}/{{ loop.length }}:{{ x }} {% endfor %}"));
        Assert.Equal("02", Render("{% for x in range(10) %}{% if x == 1 %}{% continue %}{% endif %}{% if x == 3 %}{% break %}{% endif %}{{ x }}{% endfor %}"));
        Assert.Equal("a0b0b1", Render("{% for x in ['a', 'b'] %}{% for y in range(loop.index) %}{{ x }}{{ y }}{% endfor %}{% endfor %}"));
        Assert.Equal("ab", Render("{% for k in {'a': 1, 'b': 2} %}{{ k }}{% endfor %}"));
    }

    [Fact]
    public void SetScopingAndNamespace()
    {
        // A plain set inside a loop does not leak out of it; namespace attributes do.
        Assert.Equal("0 3", Render("{% set count = 0 %}{% set ns = namespace(count=0) %}{% for x in range(3) %}{% set count = count + 1 %}" +
                                   "{% set ns.count = ns.count + 1 %}{% endfor %}{{ count }} {{ ns.count }}"));
        // A set inside if is visible after it.
        Assert.Equal("yes", Render("{% if true %}{% set v = 'yes' %}{% endif %}{{ v }}"));
        Assert.Equal("1 2", Render("{% set a, b = [1, 2] %}{{ a }} {{ b }}"));
        Assert.Equal("<b>x</b>", Render("{% set block %}<b>{{ 'x' }}</b>{% endset %}{{ block }}"));
        Assert.Equal("True sys", Render("{% set ns = namespace(found=false, system='') %}{% for m in ms %}{% if m.role == 'system' %}" +
                                        "{% set ns.found = true %}{% set ns.system = m.content %}{% endif %}{% endfor %}{{ ns.found }} {{ ns.system }}",
            Vars(("ms", new[] { new ChatMessage("system", "sys"), new ChatMessage("user", "u") }))));
    }

    [Fact]
    public void MacrosWithAndFilterBlocks()
    {
        Assert.Equal("<user>hi</user>|<bot>!</bot>", Render("{% macro turn(role, text, close='') %}<{{ role }}>{{ text }}{{ close }}</{{ role }}>{% endmacro %}" +
                                                        "{{ turn('user', 'hi') }}|{{ turn('bot', text='!') }}"));
        Assert.Equal("5", Render("{% with a = 2, b = 3 %}{{ a + b }}{% endwith %}"));
        Assert.Equal("HELLO", Render("{% filter upper %}hello{% endfilter %}"));
        Assert.Equal("body", Render("{% generation %}body{% endgeneration %}"));
    }

    // ---- filters ----

    [Fact]
    public void StringFilters()
    {
        Assert.Equal("x|--x--|HI|hi|Hello World|Hello world|a-b-c", Render(
            "{{ '  x \n' | trim }}|{{ '--x--' | trim('') }}|{{ 'hi' | upper }}|{{ 'HI' | lower }}|{{ 'hello wORLD' | title }}|" +
            "{{ 'hello World' | capitalize }}|{{ 'a b c' | replace(' ', '-') }}"));
        Assert.Equal("x", Render("{{ '--x--' | trim('-') }}"));
        Assert.Equal("3 2 5 abc 12 0 7 3.5", Render("{{ [1, 2, 3] | length }} {{ {'a': 1, 'b': 2} | count }} {{ 'héllo' | length }} {{ ['a', 'b', 'c'] | join }} " +
                                                "{{ [1, 2] | join }} {{ 'x' | int }} {{ '7' | int }} {{ '3.5' | float }}"));
        Assert.Equal("a, b 1 3 ['h', 'i'] 12 abc", Render("{{ ['a', 'b'] | join(', ') }} {{ [1, 2, 3] | first }} {{ [1, 2, 3] | last }} {{ 'hi' | list }} " +
                                                     "{{ 12 | string }} {{ 'cba' | reverse }}"));
        Assert.Equal("  a\n  b", Render("{{ 'a\nb' | indent(2, true) }}"));
    }

    [Fact]
    public void CollectionFilters()
    {
        var messages = new object[]
        {
            new ChatMessage("system", "s"),
            new Dictionary<string, object?> { ["role"] = "user", ["content"] = "u1", ["name"] = "ann" },
            new ChatMessage("assistant", "a"),
            new ChatMessage("user", "u2"),
        };
        var v = Vars(("messages", messages));
        Assert.Equal("u1,u2", Render("{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | join(',') }}", v));
        Assert.Equal("3", Render("{{ messages | rejectattr('role', 'eq', 'system') | list | length }}", v));
        Assert.Equal("ann", Render("{{ messages | selectattr('name') | map(attribute='name') | first }}", v));
        Assert.Equal("['?', 'ann', '?', '?']", Render("{{ messages | map(attribute='name', default='?') | list }}", v));
        Assert.Equal("[2, 4] ['A', 'B'] [1, 2, 3] [3, 2, 1] [1, 2] 6 3 1", Render(
            "{{ [1, 2, 3, 4] | select('even') | list }} {{ ['a', 'b'] | map('upper') | list }} {{ [3, 1, 2] | sort }} {{ [3, 1, 2] | sort(reverse=true) }} " +
            "{{ [1, 2, 1] | unique | list }} {{ [1, 2, 3] | sum }} {{ [1, 3, 2] | max }} {{ [1, 3, 2] | min }}"));
        Assert.Equal("a:1 b:2 ", Render("{% for k, v in {'a': 1, 'b': 2} | items %}{{ k }}:{{ v }} {% endfor %}"));
    }

    [Fact]
    public void ToJson()
    {
        var v = Vars(("tool", new Dictionary<string, object?>
        {
            ["name"] = "поиск",
            ["args"] = new object?[] { 1, 2.5, true, null, "a\"b\\c\n\u0001" },
            ["empty"] = new Dictionary<string, object?>(),
        }));
        // ensure_ascii=False: Cyrillic stays as is; Python's default separators.
        Assert.Equal("{\"name\": \"поиск\", \"args\": [1, 2.5, true, null, \"a\\\"b\\\\c\\n\\u0001\"], \"empty\": {}}", Render("{{ tool | tojson }}", v));
        Assert.Equal("{\n  \"name\": \"поиск\",\n  \"args\": [\n    1,\n    2.5,\n    true,\n    null,\n    \"a\\\"b\\\\c\\n\\u0001\"\n  ],\n  \"empty\": {}\n}",
            Render("{{ tool | tojson(indent=2) }}", v));
        Assert.Equal("\"\\u043f\"", Render("{{ 'п' | tojson(ensure_ascii=true) }}"));
        Assert.Equal("{\"a\": 1, \"b\": 2}", Render("{{ {'b': 2, 'a': 1} | tojson(sort_keys=true) }}"));
        Assert.Equal("<tag> & 'quote'", Render("{{ \"<tag> & 'quote'\" | tojson | replace('\"', '') }}"));
    }

    // ---- methods and globals ----

    [Fact]
    public void StringAndDictMethods()
    {
        Assert.Equal("x|x  |  x|True|True|['a', 'b', 'c']|['a', 'b,c']|HI|hi", Render(
            "{{ '  x  '.strip() }}|{{ '  x  '.lstrip() }}|{{ '  x  '.rstrip() }}|{{ 'hello'.startswith('he') }}|{{ 'hello'.endswith(('x', 'lo')) }}|" +
            "{{ ' a  b c '.split() }}|{{ 'a,b,c'.split(',', 1) }}|{{ 'hi'.upper() }}|{{ 'HI'.lower() }}"));
        var v = Vars(("d", new Dictionary<string, object?> { ["a"] = 1, ["b"] = 2 }));
        Assert.Equal("['a', 'b'] [1, 2] 1 None", Render("{{ d.keys() | list }} {{ d.values() | list }} {{ d.get('a') }} {{ d.get('z') }}", v));
        Assert.Equal("a-b 1 x=1", Render("{{ '-'.join(['a', 'b']) }} {{ 'abc'.find('b') }} {{ '{}={}'.format('x', 1) }}"));
    }

    [Fact]
    public void Globals()
    {
        var template = ChatTemplate.Parse("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%-d %B, %H:%M') }}");
        template.Clock = () => new DateTime(2024, 7, 5, 9, 3, 0);
        Assert.Equal("05 Jul 2024|5 July, 09:03", template.Render(new Dictionary<string, object?>()));
        Assert.Equal("[0, 1, 2] [2, 4] {'a': 1}", Render("{{ range(3) | list }} {{ range(2, 6, 2) | list }} {{ dict(a=1) }}"));
    }

    [Fact]
    public void RenderConventions()
    {
        // tools/documents are None (defined) unless given, as in transformers; extra kwargs become variables.
        var template = ChatTemplate.Parse("{{ tools is none }} {{ documents is defined }} {{ add_generation_prompt }} {{ messages | length }} {{ custom }}");
        Assert.Equal("True True False 1 42", template.Render([new ChatMessage("user", "x")], false, new Dictionary<string, object?> { ["custom"] = 42 }));
    }
}
