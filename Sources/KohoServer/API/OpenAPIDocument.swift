/// The OpenAPI description of `/api/v1`: `Resources/openapi.yaml`, written by hand and embedded by the build.
/// Tests hold it against the routes and against the JSON the API answers.
enum OpenAPIDocument {
    static let yaml = String(decoding: PackageResources.openapi_yaml, as: UTF8.self)
}
