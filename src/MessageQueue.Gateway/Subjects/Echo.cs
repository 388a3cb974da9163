using System.Globalization;
using System.Text;

namespace MessageQueue.Gateway.Subjects;

/// <summary>
/// What an error reply may repeat of a client's input, on every door: at most <see cref="MaxChars"/> characters, control
/// and invisible formatting characters (bidirectional overrides, zero-width spaces) and lone surrogates escaped as
/// \uXXXX, and "..." when cut. A reply never grows with what was sent, nor carries text that hides or reorders itself.
/// </summary>
public static class Echo
{
    public const int MaxChars = 40;

    public static string Of(string? input)
    {
        if (string.IsNullOrEmpty(input))
            return "";
        var echo = new StringBuilder(MaxChars + 8);
        var shown = 0;
        for (var i = 0; i < input.Length; shown++)
        {
            if (shown == MaxChars)
                return echo.Append("...").ToString();
            if (Rune.TryGetRuneAt(input, i, out var rune))
            {
                if (Rune.IsControl(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
                    echo.Append(CultureInfo.InvariantCulture, $"{(rune.IsBmp ? "\\u" : "\\U")}{rune.Value.ToString(rune.IsBmp ? "X4" : "X8", CultureInfo.InvariantCulture)}");
                else
                    echo.Append(input, i, rune.Utf16SequenceLength);
                i += rune.Utf16SequenceLength;
            }
            else
            {
                echo.Append(CultureInfo.InvariantCulture, $"\\u{(int)input[i]:X4}"); // a lone surrogate
                i++;
            }
        }
        return echo.ToString();
    }
}
