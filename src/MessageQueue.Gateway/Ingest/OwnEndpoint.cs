using System.Net;
using System.Net.NetworkInformation;

namespace MessageQueue.Gateway.Ingest;

/// <summary>Whether a <c>sub</c> source's endpoint reaches this gateway's own PUB socket, which would feed every update back in.</summary>
internal static class OwnEndpoint
{
    /// <summary>
    /// True when <paramref name="endpoint"/> (connected to) and <paramref name="published"/> (bound) are one socket: the same
    /// port and the same host, where any loopback name is one host, and a wildcard bind is reached through every address
    /// of this machine. Host names other than localhost are not resolved; another gateway's PUB is not recognised.
    /// </summary>
    public static bool IsSame(string endpoint, string published)
    {
        if (Split(endpoint) is not var (host, port) || Split(published) is not var (boundHost, boundPort) || port == 0 || port != boundPort)
            return false;
        if (string.Equals(host, boundHost, StringComparison.OrdinalIgnoreCase))
            return true;
        var loopback = Security.Exposure.IsLoopbackHost(host);
        if (loopback && Security.Exposure.IsLoopbackHost(boundHost))
            return true;
        return boundHost is "*" or "0.0.0.0" or "::" && (loopback || IsLocalAddress(host));
    }

    private static (string Host, int Port)? Split(string endpoint)
    {
        if (!endpoint.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase))
            return null;
        var authority = endpoint["tcp://".Length..];
        var colon = authority.LastIndexOf(':');
        return colon > 0 && int.TryParse(authority[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture, out var port)
            ? (authority[..colon].Trim('[', ']'), port)
            : null;
    }

    private static bool IsLocalAddress(string host) =>
        IPAddress.TryParse(host, out var address)
        && NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Any(a => a.Address.Equals(address));
}
