using System.Text;
using System.Text.RegularExpressions;

namespace MessageQueue.Tests.Container;

/// <summary>
/// A .dockerignore as Docker reads it: one pattern a line (<c>*</c>, <c>?</c>, <c>**</c> for any number of folders),
/// <c>!</c> re-includes, the last matching line wins, and a folder that is left out takes its contents with it.
/// </summary>
public sealed class DockerIgnore
{
    private readonly List<(Regex Pattern, bool Excludes, string Text)> _rules = [];

    private DockerIgnore()
    {
    }

    public static DockerIgnore Load(string path)
    {
        var ignore = new DockerIgnore();
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var excludes = !line.StartsWith('!');
            var pattern = (excludes ? line : line[1..]).Trim().Trim('/');
            ignore._rules.Add((ToRegex(pattern), excludes, line));
        }
        return ignore;
    }

    /// <summary>Whether a path of the build context (relative, with <c>/</c>) stays out of it.</summary>
    public bool Excludes(string relativePath)
    {
        var path = relativePath.Replace('\\', '/').Trim('/');
        var excluded = false;
        foreach (var (pattern, excludes, _) in _rules)
        {
            if (SelfOrParents(path).Any(p => pattern.IsMatch(p)))
                excluded = excludes;
        }
        return excluded;
    }

    private static IEnumerable<string> SelfOrParents(string path)
    {
        for (var end = path.IndexOf('/', StringComparison.Ordinal); end > 0; end = path.IndexOf('/', end + 1))
            yield return path[..end];
        yield return path;
    }

    private static Regex ToRegex(string pattern)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                // "**/" is any number of folders, none included; a trailing "**" is anything.
                var slash = i + 2 < pattern.Length && pattern[i + 2] == '/';
                regex.Append(slash ? "(.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else if (c == '*')
                regex.Append("[^/]*");
            else if (c == '?')
                regex.Append("[^/]");
            else
                regex.Append(Regex.Escape(c.ToString()));
        }
        return new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
