using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MessageQueue.Gateway.Subjects;

/// <summary>The one place where subject names, email addresses and update texts are judged.</summary>
public sealed class SubjectValidator(IOptions<SubjectOptions> options)
{
    // Subject names travel as ZeroMQ topic prefixes and in URLs: no whitespace, nothing that needs escaping.
    private static readonly SearchValues<char> NameChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");

    private static readonly ParserOptions StrictAddresses = new()
    {
        AddressParserComplianceMode = RfcComplianceMode.Strict,
        AllowAddressesWithoutDomain = false,
    };

    private const int MaxEmailLength = 254; // RFC 5321 path limit

    private readonly SubjectOptions _options = options.Value;

    public SubjectError? CheckName(string? name)
    {
        if (string.IsNullOrEmpty(name))
            return Invalid("subject", "A subject name is required.");
        if (name.Length > _options.MaxNameLength)
            return Invalid("subject", $"A subject name has at most {_options.MaxNameLength} characters.");
        if (name.AsSpan().ContainsAnyExcept(NameChars) || !char.IsAsciiLetterOrDigit(name[0]))
            return Invalid("subject", "A subject name starts with a letter or digit and uses only letters, digits, '.', '_' and '-'.");
        return null;
    }

    /// <summary>
    /// A name for a new subject among <paramref name="existing"/> ones. Legacy subscribers filter by byte prefix, so a
    /// name that starts another (React and ReactNative) would leak one subject's updates to the other's subscribers.
    /// </summary>
    public SubjectError? CheckNewName(string? name, IReadOnlyCollection<string> existing)
    {
        if (CheckName(name) is { } invalid)
            return invalid with { Field = "name" };
        if (existing.Count >= _options.MaxSubjects)
            return new(SubjectErrorKind.Conflict, $"There are already {_options.MaxSubjects} subjects, the most allowed.", "name");
        if (existing.FirstOrDefault(other => other.StartsWith(name!, StringComparison.Ordinal) || name!.StartsWith(other, StringComparison.Ordinal)) is { } clash)
        {
            return clash == name
                ? new(SubjectErrorKind.Conflict, $"Subject '{name}' already exists.", "name")
                : new(SubjectErrorKind.Conflict, $"'{name}' and the existing subject '{clash}' start alike: ZeroMQ subscribers of the shorter one would also receive the longer one's updates.", "name");
        }
        return null;
    }

    /// <summary>
    /// Accepts one bare RFC 5322 address with a dotted domain, as MimeKit parses it in strict mode. Internationalized
    /// addresses (RFC 6531/6532) are accepted: letters of any script in the local part and the domain. Refused anywhere
    /// in the address, because they make two different addresses look alike: control characters (Unicode Cc), invisible
    /// formatting characters (Cf: the zero-width U+200B..U+200D, U+2060 and U+FEFF; the bidirectional marks, embeddings,
    /// overrides and isolates U+200E, U+200F, U+202A..U+202E and U+2066..U+2069; the soft hyphen), line and paragraph
    /// separators, private-use and unassigned code points, and lone surrogates. Each domain label has 1 to 63 letters,
    /// digits or combining marks (any script) and hyphens, neither starting nor ending with a hyphen nor starting with a
    /// mark: the IDNA label rules that need no tables. The gateway runs with invariant globalization, so it does not map,
    /// normalize (NFC) or Punycode-check labels.
    /// </summary>
    public SubjectError? CheckEmail(string? email)
    {
        if (string.IsNullOrWhiteSpace(email))
            return Invalid("email", "An email address is required.");
        if (email.Length > MaxEmailLength)
            return Invalid("email", $"An email address has at most {MaxEmailLength} characters.");
        if (HasHiddenCharacters(email))
            return Invalid("email", $"'{Echo.Of(email)}' contains control, invisible or unassigned characters, which an email address cannot have.");
        if (!MailboxAddress.TryParse(StrictAddresses, email, out var mailbox)
            || mailbox is null
            || !string.IsNullOrEmpty(mailbox.Name)
            || !string.Equals(mailbox.Address, email, StringComparison.Ordinal)
            || !mailbox.Domain.Contains('.', StringComparison.Ordinal)
            || !mailbox.Domain.Split('.').All(IsDomainLabel))
            return Invalid("email", $"'{Echo.Of(email)}' is not a valid email address.");
        return null;
    }

    private static bool HasHiddenCharacters(string text)
    {
        for (var i = 0; i < text.Length;)
        {
            if (!Rune.TryGetRuneAt(text, i, out var rune))
                return true; // a lone surrogate
            if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned)
                return true;
            i += rune.Utf16SequenceLength;
        }
        return false;
    }

    private static bool IsDomainLabel(string label)
    {
        if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            return false;
        for (var i = 0; i < label.Length;)
        {
            var rune = Rune.GetRuneAt(label, i); // no lone surrogates: HasHiddenCharacters came first
            var category = Rune.GetUnicodeCategory(rune);
            var mark = category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;
            if (!(Rune.IsLetter(rune) || category == UnicodeCategory.DecimalDigitNumber || rune.Value == '-' || (mark && i > 0)))
                return false;
            i += rune.Utf16SequenceLength;
        }
        return true;
    }

    public SubjectError? CheckUpdateText(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return Invalid("text", "An update needs some text.");
        if (Encoding.UTF8.GetByteCount(text) > _options.MaxUpdateBytes)
            return TooLarge("text", $"An update has at most {_options.MaxUpdateBytes} bytes of UTF-8 text.");
        // PostgreSQL's text cannot hold it: the insert would fail the whole batch, and the same rule holds on every store.
        if (text.Contains('\0', StringComparison.Ordinal))
            return Invalid("text", "An update's text cannot contain the NUL character (U+0000).");
        return null;
    }

    /// <summary>A new subject's initial content: optional, within the same byte limit as an update.</summary>
    public SubjectError? CheckInitialContent(string? content) =>
        content is not null && Encoding.UTF8.GetByteCount(content) > _options.MaxUpdateBytes
            ? TooLarge("content", $"A subject's initial content has at most {_options.MaxUpdateBytes} bytes of UTF-8 text.")
            : content is not null && content.Contains('\0', StringComparison.Ordinal)
                ? Invalid("content", "A subject's initial content cannot contain the NUL character (U+0000).")
                : null;

    /// <summary>An idempotency key is optional; when given, 1 to 128 visible ASCII characters (no spaces).</summary>
    public SubjectError? CheckIdempotencyKey(string? key) =>
        key is null ? null
        : key.Length is 0 or > Origins.MaxIdempotencyKeyLength || key.AsSpan().ContainsAnyExceptInRange('!', '~')
            ? Invalid("idempotencyKey", $"An idempotency key has 1 to {Origins.MaxIdempotencyKeyLength} visible ASCII characters and no spaces.")
            : null;

    public SubjectError? CheckSequence(long sequence) =>
        sequence < 1 ? Invalid("sequence", "A sequence number is 1 or more.") : null;

    /// <summary>A client's position in a subject: the sequence number of the last update it saw, 0 for none.</summary>
    public SubjectError? CheckPosition(long afterSequence) =>
        afterSequence < 0 ? Invalid("afterSequence", "'afterSequence' is a sequence number, 0 or more.") : null;

    /// <summary>A page of history: after a sequence number (0 for the start), at most <see cref="SubjectOptions.MaxPageSize"/> updates.</summary>
    public SubjectError? CheckPage(long after, int limit)
    {
        if (after < 0)
            return Invalid("after", "'after' is a sequence number, 0 or more.");
        if (limit < 1 || limit > _options.MaxPageSize)
            return Invalid("limit", $"'limit' is between 1 and {_options.MaxPageSize}.");
        return null;
    }

    /// <summary>The form under which registrations are compared: mail providers treat addresses case-insensitively.</summary>
    public static string NormalizeEmail(string email) => email.ToLowerInvariant();

    private static SubjectError Invalid(string field, string message) => new(SubjectErrorKind.Invalid, message, field);

    private static SubjectError TooLarge(string field, string message) => new(SubjectErrorKind.TooLarge, message, field);
}
