using System.Text;

namespace MessageQueue.Gateway.Subjects;

/// <summary>
/// A subject's content is its newest text up to <see cref="SubjectOptions.MaxContentBytes"/> of UTF-8: when an update
/// would push it past that, the oldest whole lines drop off the front; a last line larger than the window alone keeps
/// its newest bytes, cut on a character boundary. The history keeps every update in full. Bounded content keeps the
/// cost of an update, a legacy publication and a "2" reply flat however old the subject is.
/// </summary>
public sealed class ContentWindow(int maxBytes)
{
    /// <summary>The window, in UTF-8 bytes.</summary>
    public int MaxBytes { get; } = maxBytes;

    /// <summary>The legacy rule (<c>content + "\n" + text</c>) within the window.</summary>
    /// <remarks>
    /// The same as trimming <c>content + "\n" + text</c>, but the lines that drop off are found first, so the new
    /// content is the only string made (a full window is a large-object-heap string: one per update, not three).
    /// </remarks>
    public string Append(string content, string text)
    {
        var bytes = Encoding.UTF8.GetByteCount(content) + 1 + (long)Encoding.UTF8.GetByteCount(text);
        var rest = content.AsSpan();
        while (bytes > MaxBytes)
        {
            var newline = rest.IndexOf('\n');
            if (newline < 0)
                return Trim(text); // the old content goes whole, with the line break after it
            bytes -= Encoding.UTF8.GetByteCount(rest[..(newline + 1)]);
            rest = rest[(newline + 1)..];
        }
        return string.Concat(rest, "\n", text);
    }

    /// <summary>Drops whole lines from the front until the content fits; a last line too large alone keeps its newest bytes.</summary>
    public string Trim(string content)
    {
        var maxBytes = MaxBytes;
        var bytes = Encoding.UTF8.GetByteCount(content);
        if (bytes <= maxBytes)
            return content;
        var rest = content.AsSpan();
        while (bytes > maxBytes)
        {
            var newline = rest.IndexOf('\n');
            if (newline < 0)
                return NewestBytes(rest, maxBytes);
            bytes -= Encoding.UTF8.GetByteCount(rest[..(newline + 1)]);
            rest = rest[(newline + 1)..];
        }
        return rest.ToString();
    }

    /// <summary>
    /// The content after the last of <paramref name="piecesOldestFirst"/>: the initial content (when the pieces go back
    /// that far) and update texts, as <see cref="Append"/> one by one would have made it. The pieces need only reach back
    /// until they hold more than the window: nothing older can survive.
    /// </summary>
    public string Rebuild(IReadOnlyList<string> piecesOldestFirst)
    {
        var maxBytes = MaxBytes;
        // Only a last line larger than the window cuts a line short; what came before such a line is gone for good.
        var start = 0;
        for (var i = piecesOldestFirst.Count - 1; i >= 0; i--)
        {
            if (Encoding.UTF8.GetByteCount(LastLine(piecesOldestFirst[i])) > maxBytes)
            {
                start = i;
                break;
            }
        }
        var content = new StringBuilder(Trim(piecesOldestFirst.Count == 0 ? "" : piecesOldestFirst[start]));
        for (var i = start + 1; i < piecesOldestFirst.Count; i++)
            content.Append('\n').Append(piecesOldestFirst[i]);
        return Trim(content.ToString());
    }

    private static ReadOnlySpan<char> LastLine(string text) => text.AsSpan(text.LastIndexOf('\n') + 1);

    private static string NewestBytes(ReadOnlySpan<char> line, int maxBytes)
    {
        var start = line.Length;
        var bytes = 0;
        while (start > 0)
        {
            System.Text.Rune.DecodeLastFromUtf16(line[..start], out var rune, out var consumed);
            if (bytes + rune.Utf8SequenceLength > maxBytes)
                break;
            bytes += rune.Utf8SequenceLength;
            start -= consumed;
        }
        return line[start..].ToString();
    }
}
