using System.Text.RegularExpressions;

namespace MessageQueue.Client.Protocol;

/// <summary>
/// The client-side check the original client made before subscribing. The server checks again, more strictly;
/// this one only catches typos before a round trip.
/// </summary>
internal static partial class EmailAddress
{
    public static bool IsValid(string? email) => email is not null && Pattern().IsMatch(email);

    [GeneratedRegex(@"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")]
    private static partial Regex Pattern();
}
