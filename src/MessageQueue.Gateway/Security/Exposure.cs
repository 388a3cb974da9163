using System.Net;

namespace MessageQueue.Gateway.Security;

/// <summary>Whether an address a door binds to can be reached from other machines (protected mode's test).</summary>
public static class Exposure
{
    /// <summary>True for loopback hosts (127.0.0.0/8, ::1, localhost); false for wildcards (*, +, 0.0.0.0, ::) and every other host.</summary>
    public static bool IsLoopbackHost(string host)
    {
        host = host.Trim('[', ']');
        return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }

    /// <summary>An ASP.NET Core listen URL such as <c>http://127.0.0.1:5080</c> or <c>http://+:80</c>.</summary>
    public static bool IsLoopbackUrl(string url)
    {
        // "*" and "+" are not valid URI hosts; they are wildcards, so exposed.
        var authority = url.Contains("://", StringComparison.Ordinal) ? url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..] : url;
        var host = authority.Split('/')[0];
        var portAt = host.LastIndexOf(':');
        if (portAt > 0 && host.IndexOf(']', StringComparison.Ordinal) < portAt)
            host = host[..portAt];
        return IsLoopbackHost(host);
    }

    /// <summary>A ZeroMQ endpoint: tcp on a loopback address, or ipc/inproc (local by nature).</summary>
    public static bool IsLoopbackZmqEndpoint(string endpoint)
    {
        if (!endpoint.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase))
            return endpoint.StartsWith("ipc://", StringComparison.OrdinalIgnoreCase) || endpoint.StartsWith("inproc://", StringComparison.OrdinalIgnoreCase);
        return IsLoopbackUrl(endpoint);
    }
}
