namespace LlmOps.Cards;

/// <summary>One section of a card: a heading, lines of text, and optionally a table (its first row the header).</summary>
public sealed record CardSection(string Heading, IReadOnlyList<string> Lines, IReadOnlyList<IReadOnlyList<string>>? Table = null);
