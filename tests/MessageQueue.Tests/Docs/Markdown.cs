using System.Text;
using System.Text.RegularExpressions;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Docs;

/// <summary>The repository's documents (README.md and docs/), and what the checks read in them.</summary>
internal static partial class Markdown
{
    /// <summary>README.md and every page under docs/, as paths relative to the repository root with '/'.</summary>
    public static IReadOnlyList<string> Documents()
    {
        var docs = Path.Combine(RepositoryPaths.Root, "docs");
        var pages = Directory.Exists(docs)
            ? Directory.EnumerateFiles(docs, "*.md", SearchOption.AllDirectories).Select(Relative)
            : [];
        return ["README.md", .. pages.Order(StringComparer.Ordinal)];
    }

    public static string Read(string document) => File.ReadAllText(Path.Combine(RepositoryPaths.Root, document));

    /// <summary>The text outside fenced code blocks and inline code spans: where links are links.</summary>
    public static string Prose(string markdown) => CodeSpan().Replace(CodeFence().Replace(markdown, ""), "");

    /// <summary>Targets of inline links and images, <c>[text](target)</c> and <c>![alt](target)</c>, outside code.</summary>
    public static IEnumerable<string> LinkTargets(string markdown) =>
        Link().Matches(Prose(markdown)).Select(m => m.Groups["target"].Value);

    /// <summary>The anchors GitHub gives a page's headings (ATX headings outside code), duplicates numbered.</summary>
    public static IReadOnlySet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Match heading in Heading().Matches(CodeFence().Replace(markdown, "")))
        {
            var slug = Slug(heading.Groups["text"].Value);
            var count = seen.GetValueOrDefault(slug);
            seen[slug] = count + 1;
            anchors.Add(count == 0 ? slug : $"{slug}-{count}");
        }
        return anchors;
    }

    /// <summary>
    /// GitHub's heading slug: links reduced to their text, lower case, every character but letters, digits,
    /// marks, connector punctuation ('_'), '-' and ' ' dropped, each space a '-'.
    /// </summary>
    public static string Slug(string heading)
    {
        var text = InlineLink().Replace(heading.Trim(), "${text}").ToLowerInvariant();
        var slug = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            var category = char.GetUnicodeCategory(c);
            if (char.IsLetterOrDigit(c) || c == '-' || category is System.Globalization.UnicodeCategory.NonSpacingMark
                or System.Globalization.UnicodeCategory.SpacingCombiningMark or System.Globalization.UnicodeCategory.ConnectorPunctuation)
                slug.Append(c);
            else if (c == ' ')
                slug.Append('-');
        }
        return slug.ToString();
    }

    public static string Relative(string fullPath) =>
        Path.GetRelativePath(RepositoryPaths.Root, fullPath).Replace(Path.DirectorySeparatorChar, '/');

    [GeneratedRegex(@"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CodeFence();

    [GeneratedRegex(@"(`+)[^`].*?\1", RegexOptions.Singleline)]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"!?\[(?<text>[^\]]*)\]\((?<target>[^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"\[(?<text>[^\]]*)\]\([^)]*\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"^ {0,3}#{1,6}[ \t]+(?<text>.+?)[ \t]*#*[ \t]*$", RegexOptions.Multiline)]
    private static partial Regex Heading();
}
