using System.Text.RegularExpressions;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Docs;

/// <summary>The documents speak of the repository only: no reader has this machine's folders or the repository's neighbours.</summary>
public sealed partial class DocumentPathTests
{
    [Fact]
    public void NoDocumentNamesAPathOutsideTheRepository()
    {
        var found = Markdown.Documents()
            .SelectMany(document => OutsidePaths(document, Markdown.Read(document)).Select(path => $"{document}: {path}"))
            .ToList();
        Assert.True(found.Count == 0, "Paths outside the repository:\n" + string.Join('\n', found));
    }

    [Fact]
    public void PathsOutsideTheRepositoryAreFoundAndPathsInsideAreNot()
    {
        Assert.Equal(["../shared/legacy-protocol.md"], OutsidePaths("README.md", "The contract is `../shared/legacy-protocol.md`."));
        Assert.Equal(["/home/me/mq"], OutsidePaths("docs/api.md", "cd /home/me/mq"));
        Assert.Equal(["/tmp/x.db"], OutsidePaths("docs/api.md", "Data Source=/tmp/x.db"));
        Assert.Empty(OutsidePaths("docs/api.md", "See [the README](../README.md) and ../src/MessageQueue.Gateway, /app/data in the image."));
    }

    /// <summary>
    /// Home, temporary and workspace folders of a machine (<c>/work/</c>, <c>/home/</c>, <c>/root/</c>, <c>/tmp/</c>,
    /// <c>/Users/</c>, <c>C:\</c>), and relative paths whose <c>../</c> climb above the repository root.
    /// Paths inside the container image (<c>/app/data</c>) and of system programs (<c>/usr/bin/chromium</c>) are fine.
    /// </summary>
    private static List<string> OutsidePaths(string document, string text)
    {
        var found = MachinePath().Matches(text).Select(m => m.Value).ToList();
        var folder = Path.GetDirectoryName(Path.Combine(RepositoryPaths.Root, document))!;
        foreach (Match climb in Climbing().Matches(text))
        {
            if (Markdown.Relative(Path.GetFullPath(Path.Combine(folder, climb.Value))).StartsWith("..", StringComparison.Ordinal))
                found.Add(climb.Value);
        }
        return found;
    }

    [GeneratedRegex(@"(?<![\w.])(/(work|home|root|tmp|Users)/|[A-Za-z]:\\)[^\s`)""'<>]*")]
    private static partial Regex MachinePath();

    [GeneratedRegex(@"(?<![\w./])(\.\./)+[^\s`)""'<>#]*")]
    private static partial Regex Climbing();
}
