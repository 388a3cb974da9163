using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MessageQueue.Tests.Container;

/// <summary>One instruction of a Dockerfile, continuation lines joined, e.g. <c>EXPOSE</c> with <c>5080 8080 5000</c>.</summary>
public sealed record Instruction(string Keyword, string Arguments, int Line)
{
    /// <summary>Leading <c>--name=value</c> flags (COPY --from, HEALTHCHECK --interval) and what follows them.</summary>
    public (IReadOnlyDictionary<string, string> Flags, string Remainder) SplitFlags()
    {
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        var rest = Arguments;
        while (rest.StartsWith("--", StringComparison.Ordinal))
        {
            var end = rest.IndexOf(' ', StringComparison.Ordinal);
            var flag = end < 0 ? rest : rest[..end];
            var equals = flag.IndexOf('=', StringComparison.Ordinal);
            flags[equals < 0 ? flag[2..] : flag[2..equals]] = equals < 0 ? "" : flag[(equals + 1)..];
            rest = end < 0 ? "" : rest[(end + 1)..].TrimStart();
        }
        return (flags, rest);
    }

    /// <summary>The words after the flags: the JSON array form, or whitespace-separated (quotes honoured).</summary>
    public IReadOnlyList<string> Words()
    {
        var rest = SplitFlags().Remainder;
        return rest.StartsWith('[') ? JsonSerializer.Deserialize<string[]>(rest)! : Dockerfile.SplitWords(rest);
    }
}

/// <summary>A build stage: from its <c>FROM</c> to the next one.</summary>
public sealed record Stage(string BaseImage, string? Name, IReadOnlyList<Instruction> Instructions)
{
    public IEnumerable<Instruction> All(string keyword) =>
        Instructions.Where(i => string.Equals(i.Keyword, keyword, StringComparison.OrdinalIgnoreCase));

    /// <summary>The variables its <c>ENV</c> lines set, in order (a later line wins).</summary>
    public IReadOnlyDictionary<string, string> Environment()
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var env in All("ENV"))
        {
            var words = Dockerfile.SplitWords(env.Arguments);
            if (words.Count > 0 && !words[0].Contains('=', StringComparison.Ordinal))
            {
                // Legacy form: ENV key value with spaces.
                variables[words[0]] = env.Arguments[words[0].Length..].Trim();
                continue;
            }
            foreach (var word in words)
            {
                var equals = word.IndexOf('=', StringComparison.Ordinal);
                Assert.True(equals > 0, $"ENV on line {env.Line}: '{word}' is not key=value.");
                variables[word[..equals]] = word[(equals + 1)..];
            }
        }
        return variables;
    }
}

/// <summary>
/// Just enough of the Dockerfile grammar for the contract tests: comments, line continuations, stages, flags, the
/// JSON and the shell forms, quoted ENV values, <c>$VAR</c> and <c>${VAR}</c>.
/// </summary>
public sealed partial class Dockerfile
{
    private Dockerfile(IReadOnlyList<Stage> stages) => Stages = stages;

    public IReadOnlyList<Stage> Stages { get; }

    public Stage Final => Stages[^1];

    public static Dockerfile Load(string path)
    {
        var stages = new List<Stage>();
        List<Instruction>? current = null;
        foreach (var instruction in ReadInstructions(File.ReadAllLines(path)))
        {
            if (string.Equals(instruction.Keyword, "FROM", StringComparison.OrdinalIgnoreCase))
            {
                var words = SplitWords(instruction.SplitFlags().Remainder);
                current = [];
                var name = words.Count == 3 && string.Equals(words[1], "AS", StringComparison.OrdinalIgnoreCase) ? words[2] : null;
                stages.Add(new Stage(words[0], name, current));
            }
            else
            {
                Assert.True(current is not null, $"Line {instruction.Line}: {instruction.Keyword} before any FROM.");
                current.Add(instruction);
            }
        }
        return new Dockerfile(stages);
    }

    /// <summary>Replaces <c>$NAME</c> and <c>${NAME}</c> from <paramref name="variables"/>; unknown names stay as they are.</summary>
    public static string Expand(string text, IReadOnlyDictionary<string, string> variables) =>
        VariableReference().Replace(text, m =>
        {
            var name = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value;
            return variables.TryGetValue(name, out var value) ? value : m.Value;
        });

    /// <summary>Words split on unquoted whitespace; double quotes (with backslash escapes) and single quotes removed.</summary>
    public static IReadOnlyList<string> SplitWords(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char? quote = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote is null && char.IsWhiteSpace(c))
            {
                if (inWord)
                    words.Add(word.ToString());
                word.Clear();
                inWord = false;
                continue;
            }
            inWord = true;
            if (c == quote)
                quote = null;
            else if (quote is null && c is '"' or '\'')
                quote = c;
            else if (c == '\\' && quote != '\'' && i + 1 < text.Length)
                word.Append(text[++i]);
            else
                word.Append(c);
        }
        Assert.True(quote is null, $"Unbalanced quote in: {text}");
        if (inWord)
            words.Add(word.ToString());
        return words;
    }

    private static IEnumerable<Instruction> ReadInstructions(string[] lines)
    {
        var text = new StringBuilder();
        var startLine = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            // Comment lines (and parser directives) are dropped, even between continued lines.
            if (line.StartsWith('#') || (line.Length == 0 && text.Length == 0))
                continue;
            if (text.Length == 0)
                startLine = i + 1;
            var continues = line.EndsWith('\\');
            text.Append(continues ? line[..^1] : line).Append(' ');
            if (continues)
                continue;
            var joined = text.ToString().Trim();
            text.Clear();
            if (joined.Length == 0)
                continue;
            var space = joined.IndexOf(' ', StringComparison.Ordinal);
            yield return space < 0
                ? new Instruction(joined.ToUpperInvariant(), "", startLine)
                : new Instruction(joined[..space].ToUpperInvariant(), joined[(space + 1)..].Trim(), startLine);
        }
        Assert.True(text.Length == 0, "The Dockerfile ends in a line continuation.");
    }

    [GeneratedRegex(@"\$(?:\{(\w+)\}|(\w+))")]
    private static partial Regex VariableReference();
}
