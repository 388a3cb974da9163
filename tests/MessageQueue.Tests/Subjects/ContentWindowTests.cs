using System.Text;
using MessageQueue.Gateway.Subjects;

namespace MessageQueue.Tests.Subjects;

/// <summary>The content window at its edges, and a content rebuilt from the store equal to the one built update by update.</summary>
public sealed class ContentWindowTests
{
    [Fact]
    public void ContentExactlyFullIsKeptWhole()
    {
        var window = new ContentWindow(11);
        Assert.Equal("hello\nworld", window.Append("hello", "world")); // 11 bytes
    }

    [Fact]
    public void OneByteOverDropsTheOldestWholeLine()
    {
        var window = new ContentWindow(11);
        Assert.Equal("world!", window.Append("hello", "world!")); // 12 bytes: "hello\n" goes
        Assert.Equal("b\nc\nd", new ContentWindow(5).Append("a\nb\nc", "d")); // 7 bytes: only "a\n" goes
    }

    [Fact]
    public void AnUpdateLargerThanTheWindowKeepsItsNewestBytesOnACharacterBoundary()
    {
        // "€" is three UTF-8 bytes: a window of 7 holds "x€€" (7), and of 8 still only "x€€", never half a "€".
        Assert.Equal("x€€", new ContentWindow(7).Append("old line", "€€€x€€"));
        Assert.Equal("x€€", new ContentWindow(8).Append("old line", "€€€x€€"));
        // A character outside the BMP (four bytes, two UTF-16 units) is never split either.
        Assert.Equal("😀", new ContentWindow(5).Append("", "a😀😀"));
        Assert.Equal("", new ContentWindow(3).Append("", "😀"));
    }

    [Fact]
    public void InitialContentLargerThanTheWindowIsTrimmedLikeAnUpdate()
    {
        var window = new ContentWindow(16);
        Assert.Equal("line three", window.Trim("line one\nline two\nline three"));
    }

    [Fact]
    public void ContentRebuiltFromTheNewestUpdatesEqualsTheContentBuiltOneByOne()
    {
        var random = new Random(20261203);
        string[] alphabet = ["a", "b", "é", "€", "😀", "\n", " "];
        for (var round = 0; round < 400; round++)
        {
            var window = new ContentWindow(random.Next(16, 80));
            var pieces = new List<string> { RandomText(random, alphabet, random.Next(0, 40)) };
            var content = window.Trim(pieces[0]);
            var updates = random.Next(1, 30);
            for (var i = 0; i < updates; i++)
            {
                var text = RandomText(random, alphabet, random.Next(1, window.MaxBytes * 2 / 3 + 1) * (random.Next(8) == 0 ? 3 : 1));
                pieces.Add(text);
                content = window.Append(content, text);
                Assert.True(Encoding.UTF8.GetByteCount(content) <= window.MaxBytes, $"round {round}: content over the window");

                // As the store reads it: the newest updates back until they hold more than the window, or from the start.
                Assert.Equal(content, window.Rebuild(NewestBeyondTheWindow(pieces, window.MaxBytes)));
            }
        }
    }

    private static List<string> NewestBeyondTheWindow(List<string> piecesOldestFirst, int maxBytes)
    {
        var taken = new List<string>();
        long bytes = 0;
        for (var i = piecesOldestFirst.Count - 1; i >= 1; i--)
        {
            taken.Insert(0, piecesOldestFirst[i]);
            bytes += Encoding.UTF8.GetByteCount(piecesOldestFirst[i]) + 1;
            if (bytes > maxBytes)
                return taken;
        }
        taken.Insert(0, piecesOldestFirst[0]);
        return taken;
    }

    private static string RandomText(Random random, string[] alphabet, int length)
    {
        var text = new StringBuilder();
        for (var i = 0; i < length; i++)
            text.Append(alphabet[random.Next(alphabet.Length)]);
        return text.ToString();
    }
}
