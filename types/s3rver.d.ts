// s3rver ships no type declarations; the tests use it through test/kit/s3.ts only.
declare module "s3rver" {
  const S3rver: any;
  export default S3rver;
}
