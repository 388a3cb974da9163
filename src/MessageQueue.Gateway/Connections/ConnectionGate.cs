using System.Net;
using System.Net.Sockets;

namespace MessageQueue.Gateway.Connections;

/// <summary>Where a connection came in: the two kinds of listener the gateway has.</summary>
public enum ConnectionDoor
{
    Zmq,
    Http,
}

/// <summary>Why a connection was closed as soon as it was accepted.</summary>
public enum ConnectionRefusal
{
    /// <summary>The door holds its cap of connections.</summary>
    DoorFull,

    /// <summary>The client's address (an IPv6 /64) holds its share of them.</summary>
    AddressFull,

    /// <summary>Accepting failed (out of descriptors or memory); the listener backs off.</summary>
    AcceptFailed,
}

/// <summary>
/// The connections open at one door, in total and per client address, against their caps. Checked on accept,
/// before the connection costs anything more than its own descriptor.
/// </summary>
public sealed class ConnectionGate(ConnectionDoor door, int max, int maxPerAddress)
{
    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private readonly Lock _lock = new();
    private int _open;

    public ConnectionDoor Door => door;
    public int Max => max;
    public int MaxPerAddress => maxPerAddress;

    /// <summary>Connections admitted and not yet left.</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>Admits one connection from <paramref name="address"/> (null: unknown, counted only in the total), or says why not.</summary>
    public bool TryEnter(IPAddress? address, out ConnectionRefusal refusal)
    {
        var key = Key(address);
        lock (_lock)
        {
            if (_open >= max)
            {
                refusal = ConnectionRefusal.DoorFull;
                return false;
            }
            if (key is not null)
            {
                _perAddress.TryGetValue(key, out var held);
                if (held >= maxPerAddress)
                {
                    refusal = ConnectionRefusal.AddressFull;
                    return false;
                }
                _perAddress[key] = held + 1;
            }
            _open++;
        }
        refusal = default;
        return true;
    }

    /// <summary>A connection admitted by <see cref="TryEnter"/> has closed.</summary>
    public void Exit(IPAddress? address)
    {
        var key = Key(address);
        lock (_lock)
        {
            _open--;
            if (key is not null && _perAddress.TryGetValue(key, out var held))
            {
                if (held <= 1)
                    _perAddress.Remove(key);
                else
                    _perAddress[key] = held - 1;
            }
        }
    }

    /// <summary>
    /// The client an address stands for: IPv4 as itself (also when mapped into IPv6), IPv6 by its /64, which one
    /// host or site usually holds whole.
    /// </summary>
    private static IPAddress? Key(IPAddress? address)
    {
        if (address is null)
            return null;
        if (address.IsIPv4MappedToIPv6)
            return address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return address;
        var bytes = address.GetAddressBytes();
        bytes.AsSpan(8).Clear();
        return new IPAddress(bytes);
    }
}
