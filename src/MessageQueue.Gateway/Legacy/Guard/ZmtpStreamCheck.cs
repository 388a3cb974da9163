using System.Buffers.Binary;

namespace MessageQueue.Gateway.Legacy.Guard;

/// <summary>
/// Follows the bytes a peer sends to a NetMQ socket (a client to a bound socket, or a publisher to a sub source's
/// outgoing connection: the checks are the same both ways), chunk by chunk, the way NetMQ 4.0.4.5's StreamEngine reads them:
/// the greeting (ZMTP 1.0 without a signature, 1.0 and 2.0 with one, 3.x), then each frame's flags and size. Bodies
/// are skipped by arithmetic; only a command's name and a READY command's property lengths are read.
/// </summary>
/// <remarks>
/// It refuses what would reach NetMQ code that trusts the wire: a command frame with an empty body (NetMQ reads its
/// first byte unchecked and its I/O thread dies), a command shorter than its own name, a READY property whose value
/// length is negative (NetMQ allocates an array of that length), reserved flag bits (before ZMTP 3 the command bit is
/// one), a frame larger than its cap, and a message larger than its cap across its frames: NetMQ holds every frame
/// of a message until the last one comes. Each frame counts <see cref="FrameCost"/> bytes on top of its body, what
/// NetMQ keeps per frame, so a flood of empty frames is a large message too. Under CurveZMQ the frames' flags travel
/// encrypted: every frame looks whole here, and only the frame cap applies; a CurveZMQ server's READY is encrypted too,
/// so its body is not read (NetMQ reads it only once it has decrypted it with the server's key).
/// </remarks>
internal sealed class ZmtpStreamCheck(long maxFrameBytes, long maxMessageBytes)
{
    /// <summary>What NetMQ holds for a frame besides its body (its message slot in the pipe, the array's header).</summary>
    public const int FrameCost = 64;

    private const int SignatureSize = 10;
    private const int V2GreetingSize = 12;
    private const int V3GreetingSize = 64;
    private const byte More = 1, Long = 2, Command = 4;

    private readonly byte[] _greeting = new byte[V3GreetingSize];
    private readonly byte[] _field = new byte[8];
    private int _greetingRead;
    private int _greetingSize = SignatureSize;
    private bool _v1, _v3, _curve;
    private Step _step = Step.Greeting;
    private Step _afterSkip;
    private byte _flags;
    private int _fieldNeeded, _fieldRead;
    private long _skipLeft, _bodyLeft, _pendingSize, _messageBytes;

    private enum Step
    {
        Greeting, V1Length, V1LongLength, V1Flags, Flags, Size,
        // Inside a frame's body:
        Skip, EndOfFrame, CommandNameLength, CommandName, PropertyNameLength, AfterPropertyName, PropertyValueLength, NextProperty,
    }

    /// <summary>Null while the stream is well formed; otherwise why it is not (a fixed text, never the payload).</summary>
    public string? Violation { get; private set; }

    /// <summary>
    /// True once the peer has greeted and, in ZMTP 3, sent a whole first command (READY, or CurveZMQ's HELLO from a client
    /// and WELCOME from a server): what every ZeroMQ peer does as soon as it connects (a CurveZMQ server once it has the
    /// client's HELLO, which it answers only when the client has its right public key). Read from another thread by the guard's handshake deadline.
    /// </summary>
    public bool Handshaken => Volatile.Read(ref _handshaken);

    private bool _handshaken, _commandSeen;

    /// <summary>Checks the next chunk of the stream; false (and <see cref="Violation"/>) from the first fault on.</summary>
    public bool Accept(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty && Violation is null)
        {
            data = _step switch
            {
                Step.Greeting => Greet(data),
                Step.Skip => Skip(data),
                _ => Collect(data),
            };
        }
        return Violation is null;
    }

    private ReadOnlySpan<byte> Greet(ReadOnlySpan<byte> data)
    {
        var take = Math.Min(_greetingSize - _greetingRead, data.Length);
        data[..take].CopyTo(_greeting.AsSpan(_greetingRead));
        _greetingRead += take;
        data = data[take..];

        // NetMQ's own test: no 0xFF first, or a signature whose last byte lacks bit 0, is ZMTP 1.0 without a
        // greeting, and what came so far is already the first frame.
        if (_greeting[0] != 0xFF || (_greetingRead == SignatureSize && (_greeting[SignatureSize - 1] & 1) == 0))
        {
            _v1 = true;
            EndFrame();
            Accept(_greeting.AsSpan(0, _greetingRead));
            return data;
        }
        if (_greetingRead < _greetingSize)
            return data;
        if (_greetingSize == SignatureSize)
        {
            _greetingSize = V2GreetingSize; // the revision, then a socket type (1.0, 2.0) or more of a 3.x greeting
            return data;
        }
        var revision = _greeting[SignatureSize];
        if (_greetingSize == V2GreetingSize && revision > 1)
        {
            _greetingSize = V3GreetingSize;
            return data;
        }
        _v1 = revision == 0;
        _v3 = revision > 1;
        _curve = _v3 && _greeting.AsSpan(MechanismOffset, MechanismSize).SequenceEqual(CurveMechanism);
        EndFrame();
        return data;
    }

    private ReadOnlySpan<byte> Skip(ReadOnlySpan<byte> data)
    {
        var n = (int)Math.Min(_skipLeft, data.Length);
        _skipLeft -= n;
        _bodyLeft -= n;
        if (_skipLeft == 0)
            Continue(_afterSkip);
        return data[n..];
    }

    /// <summary>Gathers a short field (a length, flags, a name) that may be split across chunks, then acts on it.</summary>
    private ReadOnlySpan<byte> Collect(ReadOnlySpan<byte> data)
    {
        var take = Math.Min(_fieldNeeded - _fieldRead, data.Length);
        data[..take].CopyTo(_field.AsSpan(_fieldRead));
        _fieldRead += take;
        if (_step >= Step.Skip)
            _bodyLeft -= take;
        if (_fieldRead == _fieldNeeded)
            FieldDone(_field.AsSpan(0, _fieldNeeded));
        return data[take..];
    }

    private void FieldDone(ReadOnlySpan<byte> field)
    {
        switch (_step)
        {
            case Step.V1Length when field[0] == 0xFF:
                Expect(Step.V1LongLength, 8);
                break;
            case Step.V1Length:
                V1SizeKnown(field[0]);
                break;
            case Step.V1LongLength:
                V1SizeKnown(BinaryPrimitives.ReadInt64BigEndian(field));
                break;
            case Step.V1Flags when (field[0] & ~More) != 0:
                Violation = "reserved flag bits in a ZMTP 1.0 frame";
                break;
            case Step.V1Flags when !CountInMessage(_pendingSize, more: (field[0] & More) != 0):
                Violation = "a message larger than the cap";
                break;
            case Step.V1Flags:
                BeginBody(_pendingSize, command: false);
                break;
            case Step.Flags:
                _flags = field[0];
                if ((_flags & ~(_v3 ? More | Long | Command : More | Long)) != 0)
                    Violation = "reserved flag bits in a frame";
                else
                    Expect(Step.Size, (_flags & Long) != 0 ? 8 : 1);
                break;
            case Step.Size:
                var size = field.Length == 1 ? field[0] : BinaryPrimitives.ReadUInt64BigEndian(field);
                var command = (_flags & Command) != 0;
                _commandSeen |= command;
                if (size > (ulong)maxFrameBytes)
                    Violation = "a frame larger than the cap";
                else if (command && size == 0)
                    Violation = "a command frame with an empty body";
                else if (!command && !CountInMessage((long)size, more: (_flags & More) != 0))
                    Violation = "a message larger than the cap";
                else
                    BeginBody((long)size, command);
                break;
            case Step.CommandNameLength when _bodyLeft < field[0]:
                Violation = "a command frame shorter than its name";
                break;
            case Step.CommandNameLength when field[0] == ReadyName.Length:
                Expect(Step.CommandName, ReadyName.Length);
                break;
            case Step.CommandName when field.SequenceEqual(ReadyName) && !_curve:
                Continue(Step.NextProperty);
                break;
            case Step.PropertyNameLength when _bodyLeft >= field[0]:
                SkipThen(field[0], Step.AfterPropertyName);
                break;
            case Step.PropertyValueLength when BinaryPrimitives.ReadInt32BigEndian(field) < 0:
                Violation = "a READY property with a negative length";
                break;
            case Step.PropertyValueLength when _bodyLeft >= BinaryPrimitives.ReadInt32BigEndian(field):
                SkipThen(BinaryPrimitives.ReadInt32BigEndian(field), Step.NextProperty);
                break;
            default:
                // Any other command, or metadata NetMQ stops parsing at: the rest of the body is not looked at.
                SkipThen(_bodyLeft, Step.EndOfFrame);
                break;
        }
    }

    private static ReadOnlySpan<byte> ReadyName => "READY"u8;

    private const int MechanismOffset = 12, MechanismSize = 20;

    /// <summary>The mechanism field of a ZMTP 3 greeting naming CurveZMQ, padded with zeros as NetMQ compares it.</summary>
    private static ReadOnlySpan<byte> CurveMechanism => "CURVE\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"u8;

    /// <summary>Where a body goes once a skip is over (or has nothing to skip).</summary>
    private void Continue(Step step)
    {
        switch (step)
        {
            case Step.EndOfFrame:
                EndFrame();
                break;
            case Step.NextProperty when _bodyLeft > 1: // NetMQ's loop: another property while more than one byte is left
                Expect(Step.PropertyNameLength, 1);
                break;
            case Step.AfterPropertyName when _bodyLeft >= 4:
                Expect(Step.PropertyValueLength, 4);
                break;
            default:
                SkipThen(_bodyLeft, Step.EndOfFrame);
                break;
        }
    }

    /// <summary>Adds a frame to the message it belongs to; false when the message grows beyond the cap. A last frame ends it.</summary>
    private bool CountInMessage(long size, bool more)
    {
        _messageBytes += size + FrameCost;
        if (_messageBytes > maxMessageBytes)
            return false;
        if (!more)
            _messageBytes = 0;
        return true;
    }

    private void V1SizeKnown(long length)
    {
        // ZMTP 1.0 counts the flags byte in the length.
        if (length <= 0)
            Violation = "a ZMTP 1.0 frame length of zero";
        else if (length - 1 > maxFrameBytes)
            Violation = "a frame larger than the cap";
        else
        {
            _pendingSize = length - 1;
            Expect(Step.V1Flags, 1);
        }
    }

    private void BeginBody(long size, bool command)
    {
        _bodyLeft = size;
        if (command)
            Expect(Step.CommandNameLength, 1);
        else
            SkipThen(size, Step.EndOfFrame);
    }

    private void SkipThen(long bytes, Step then)
    {
        if (bytes == 0)
        {
            Continue(then);
            return;
        }
        _step = Step.Skip;
        _skipLeft = bytes;
        _afterSkip = then;
    }

    private void Expect(Step step, int bytes)
    {
        _step = step;
        _fieldNeeded = bytes;
        _fieldRead = 0;
    }

    private void EndFrame()
    {
        if (!_v3 || _commandSeen)
            Volatile.Write(ref _handshaken, true);
        Expect(_v1 ? Step.V1Length : Step.Flags, 1);
    }
}
