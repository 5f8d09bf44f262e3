/**
 * `@fleuve/cep`: complex event processing on Fleuve, with the semantics of Flink CEP. A pattern
 * (`Pattern.begin("a").where(...).followedBy("b")...`) is compiled to an NFA that runs per key on
 * Fleuve's keyed state and timers, through the operator SPI of `@fleuve/core/spi`.
 * @packageDocumentation
 */
export {};
