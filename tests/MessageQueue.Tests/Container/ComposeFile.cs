namespace MessageQueue.Tests.Container;

/// <summary>
/// Reads compose.yaml into maps, lists and strings: the block style the file is written in (two-space indents,
/// <c>key: value</c>, <c>key:</c> with a nested block, <c>- item</c> lists of scalars, whole-line comments). Anything
/// else fails loudly, so a rewrite in another style shows up here rather than passing unread.
/// </summary>
public static class ComposeFile
{
    public static string PathOnDisk => System.IO.Path.Combine(Infrastructure.RepositoryPaths.Root, "compose.yaml");

    public static Dictionary<string, object> Load()
    {
        var lines = File.ReadAllLines(PathOnDisk)
            .Where(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#'))
            .Select(l => (Indent: l.Length - l.TrimStart(' ').Length, Text: l.Trim()))
            .ToList();
        var index = 0;
        var document = ParseMap(lines, ref index, 0);
        if (index != lines.Count)
            throw new FormatException($"compose.yaml: unexpected line \"{lines[index].Text}\".");
        return document;
    }

    /// <summary>The map under <paramref name="key"/>, failing with its name when it is missing or not a map.</summary>
    public static Dictionary<string, object> Map(Dictionary<string, object> map, string key) =>
        map.GetValueOrDefault(key) as Dictionary<string, object> ?? throw new Xunit.Sdk.XunitException($"compose.yaml: no map \"{key}\".");

    /// <summary>The list under <paramref name="key"/>, failing with its name when it is missing or not a list.</summary>
    public static List<string> List(Dictionary<string, object> map, string key) =>
        map.GetValueOrDefault(key) as List<string> ?? throw new Xunit.Sdk.XunitException($"compose.yaml: no list \"{key}\".");

    private static Dictionary<string, object> ParseMap(List<(int Indent, string Text)> lines, ref int index, int indent)
    {
        var map = new Dictionary<string, object>();
        while (index < lines.Count && lines[index].Indent == indent && !lines[index].Text.StartsWith("- ", StringComparison.Ordinal))
        {
            var text = lines[index].Text;
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
                throw new FormatException($"compose.yaml: \"{text}\" is not \"key: value\".");
            var (key, value) = (text[..colon], text[(colon + 1)..].Trim());
            index++;
            if (value.Length > 0)
                map.Add(key, Unquote(value));
            else if (index < lines.Count && lines[index].Indent > indent)
                map.Add(key, lines[index].Text.StartsWith("- ", StringComparison.Ordinal) ? ParseList(lines, ref index, lines[index].Indent) : ParseMap(lines, ref index, lines[index].Indent));
            else
                map.Add(key, new Dictionary<string, object>()); // "key:" alone: an empty entry (e.g. a named volume)
        }
        if (index < lines.Count && lines[index].Indent > indent)
            throw new FormatException($"compose.yaml: \"{lines[index].Text}\" is indented where nothing opens a block.");
        return map;
    }

    private static List<string> ParseList(List<(int Indent, string Text)> lines, ref int index, int indent)
    {
        var list = new List<string>();
        while (index < lines.Count && lines[index].Indent == indent && lines[index].Text.StartsWith("- ", StringComparison.Ordinal))
            list.Add(Unquote(lines[index++].Text[2..].Trim()));
        return list;
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && value[0] == value[^1] && value[0] is '"' or '\'' ? value[1..^1] : value;
}
