/**
 * The type to give a field resolver's `@Root()` parameter in place of an object type's class (`@Root()
 * addon: ResolverRoot<Addon>`). type-graphql copies a root that is not an instance of the parameter's class
 * into a new instance of it, and for an entity class that means running MikroORM's property setters
 * once per field and row: the plain rows of the read paths (ADR 010) would pay it on every page. A
 * mapped type is reflected as `Object`, so the root comes through as it is, with the same fields.
 */
export type ResolverRoot<T> = { readonly [K in keyof T]: T[K] };
