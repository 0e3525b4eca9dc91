using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace Lep.Data.Corpus;

/// <summary>
/// HTML (and Mallard .page XML, parsed leniently as HTML) → lines of text. Navigation, scripts, styles, headers,
/// footers and Mallard &lt;info&gt; blocks are dropped; block elements become line breaks, inline ones run together.
/// </summary>
internal static class HtmlText
{
    private static readonly HashSet<string> Dropped = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "nav", "noscript", "head", "header", "footer", "aside", "template", "svg", "iframe",
        "object", "button", "input", "select", "textarea", "form", "info", "math",
    };

    private static readonly string[] DroppedClasses = ["navheader", "navfooter", "breadcrumb", "toc", "navigation", "footer", "header"];

    private static readonly HashSet<string> Inline = new(StringComparer.OrdinalIgnoreCase)
    {
        "a", "abbr", "acronym", "b", "bdi", "bdo", "big", "cite", "code", "dfn", "em", "font", "i", "img", "kbd",
        "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "tt", "u", "var", "wbr", "time",
        "label",
        // Mallard inline elements
        "app", "cmd", "gui", "guiseq", "key", "keyseq", "sys", "file", "input", "output", "link", "em", "hi", "span",
        "var", "media",
    };

    public static List<string> ToLines(string html)
    {
        var parser = new HtmlParser();
        using var document = parser.ParseDocument(html);
        var sb = new StringBuilder();
        // LibreOffice help keeps the page in #DisplayArea; elsewhere take the whole body.
        INode root = (INode?)document.GetElementById("DisplayArea") ?? (INode?)document.Body ?? document.DocumentElement;
        Walk(root, sb, pre: false);
        return TextTools.Lines(sb.ToString());
    }

    private static void Walk(INode node, StringBuilder sb, bool pre)
    {
        foreach (INode child in node.ChildNodes)
        {
            switch (child)
            {
                case IText text:
                    string t = text.Data;
                    if (!pre) t = t.Replace('\n', ' ').Replace('\r', ' ').Replace('\t', ' ');
                    sb.Append(t);
                    break;
                case IElement element:
                    string name = element.LocalName;
                    if (Dropped.Contains(name) || HasDroppedClass(element)) continue;
                    if (name == "br")
                    {
                        sb.Append('\n');
                        continue;
                    }
                    bool block = !Inline.Contains(name);
                    if (block) sb.Append('\n');
                    Walk(element, sb, pre || name is "pre" or "screen" or "code" && block);
                    if (block) sb.Append('\n');
                    else if (name is "td" or "th") sb.Append(' ');
                    break;
            }
        }
    }

    private static bool HasDroppedClass(IElement e)
    {
        foreach (string c in e.ClassList)
            foreach (string d in DroppedClasses)
                if (c.Equals(d, StringComparison.OrdinalIgnoreCase)) return true;
        string? role = e.GetAttribute("role");
        return role is "navigation" or "banner" or "contentinfo";
    }
}
