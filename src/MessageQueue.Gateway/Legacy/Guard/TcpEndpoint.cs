using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace MessageQueue.Gateway.Legacy.Guard;

/// <summary>ZeroMQ's <c>tcp://host:port</c> endpoints as the guard binds and reports them.</summary>
internal static class TcpEndpoint
{
    /// <summary>
    /// The address to listen on for a <c>tcp://</c> endpoint (<c>*</c> is every IPv4 address, as in NetMQ); null for
    /// another transport (ipc, inproc: not reachable over the network, so NetMQ binds them itself).
    /// </summary>
    public static IPEndPoint? Parse(string endpoint)
    {
        if (Split(endpoint) is not { } split)
            return null;
        var (host, port) = split;
        if (host == "*")
            return new IPEndPoint(IPAddress.Any, port);
        if (IPAddress.TryParse(host, out var address))
            return new IPEndPoint(address, port);
        var addresses = Dns.GetHostAddresses(host);
        var chosen = Array.Find(addresses, a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new FormatException($"'{host}' in '{endpoint}' resolves to no address.");
        return new IPEndPoint(chosen, port);
    }

    /// <summary>The host (brackets of an IPv6 address removed) and port of a <c>tcp://</c> endpoint, unresolved; null for another transport.</summary>
    public static (string Host, int Port)? Split(string endpoint)
    {
        if (!endpoint.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase))
            return null;
        var authority = endpoint["tcp://".Length..];
        var colon = authority.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(authority[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > IPEndPoint.MaxPort)
            throw new FormatException($"'{endpoint}' is not a tcp://host:port endpoint.");
        return (authority[..colon].Trim('[', ']'), port);
    }

    /// <summary>The address to connect to for <paramref name="host"/>: itself when it is one, else its first IPv4 address (as <see cref="Parse"/> picks).</summary>
    public static async Task<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out var address))
            return address;
        var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
        return Array.Find(addresses, a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new SocketException((int)SocketError.HostNotFound);
    }

    public static string Format(IPEndPoint endpoint) =>
        endpoint.AddressFamily == AddressFamily.InterNetworkV6
            ? $"tcp://[{endpoint.Address}]:{endpoint.Port}"
            : $"tcp://{endpoint.Address}:{endpoint.Port}";
}
