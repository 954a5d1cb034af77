import NIOCore
import NIOExtras

/// Why a byte stream is not a sequence of valid frames. The connection that sent it is closed.
public enum FrameError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A header announced an empty frame.
    case empty
    /// A header announced more than the maximum; refused before the body arrives.
    case tooLarge(length: UInt32, maximum: Int)
    /// The stream ended inside a frame.
    case truncated(bufferedBytes: Int)

    public var description: String {
        switch self {
        case .empty: return "zero-length frame"
        case .tooLarge(let length, let maximum): return "frame of \(length) bytes exceeds the maximum of \(maximum)"
        case .truncated(let buffered): return "stream ended inside a frame (\(buffered) bytes buffered)"
        }
    }
}

/// Splits a stream into frames: a 4-byte big-endian length N, then N bytes.
///
/// Unlike NIOExtras' `LengthFieldBasedFrameDecoder`, it checks N against the
/// maximum as soon as the 4 header bytes are in, so an oversized frame is
/// refused before its body is buffered.
public struct LengthPrefixedFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    public let maximumFrameBytes: Int

    public init(maximumFrameBytes: Int) {
        self.maximumFrameBytes = maximumFrameBytes
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return .needMoreData }
        guard length > 0 else { throw FrameError.empty }
        guard length <= maximumFrameBytes else { throw FrameError.tooLarge(length: length, maximum: maximumFrameBytes) }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        let frame = buffer.readSlice(length: Int(length))!
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 {
            let buffered = buffer.readableBytes
            buffer.moveReaderIndex(forwardBy: buffered)
            throw FrameError.truncated(bufferedBytes: buffered)
        }
        return .needMoreData
    }
}

extension ChannelPipeline.SynchronousOperations {
    /// Adds the frame codec: the length-prefix decoder (with its maximum) and NIOExtras' prepender.
    public func addFrameCodec(maximumFrameBytes: Int) throws {
        try addHandler(ByteToMessageHandler(LengthPrefixedFrameDecoder(maximumFrameBytes: maximumFrameBytes)))
        try addHandler(LengthFieldPrepender(lengthFieldBitLength: .fourBytes))
    }
}
