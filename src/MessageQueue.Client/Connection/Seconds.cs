using System.Globalization;

namespace MessageQueue.Client.Connection;

internal static class Seconds
{
    /// <summary>"1s", "2.5s": short enough for one-line error messages.</summary>
    public static string Format(TimeSpan span) => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
}
