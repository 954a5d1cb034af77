extension Duration {
    /// Whole and fractional seconds, for messages and arithmetic.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
